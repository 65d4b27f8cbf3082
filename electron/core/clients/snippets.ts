import { CONNECT_TOOLS, type ConnectInfo, type ConnectSnippet, type ConnectTool } from '../../../shared/clients';

/**
 * How a snippet names the key. `reference` is what is shown and printed: a shell expression that
 * reads the key from the keychain when the snippet runs (or, in code, the environment variable it
 * was exported to). `inline` is only for "Copy with key", and only ever on its way to the guarded
 * clipboard.
 */
export type KeyForm = { kind: 'reference'; shell: string } | { kind: 'inline'; value: string };

export interface SnippetContext {
  /** OpenAI-style base URL, ending in /v1. */
  baseUrl: string;
  /** The gateway's origin (Anthropic clients add /v1/messages themselves). */
  origin: string;
  /** A model name for the examples. */
  model: string;
  /** PEM file to trust for an https:// gateway on Gatehouse's local CA; null otherwise. */
  caFile: string | null;
  key: KeyForm;
}

/** The shell expression that prints the key a snippet uses (the master key, or a client's). */
export function keyReference(client: string | null): string {
  return client === null ? '$(gatehouse key print)' : `$(gatehouse clients copy ${client} --print)`;
}

/** Single-quoted for a POSIX shell: safe for any value. */
function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `"$(gatehouse key print)"` or the quoted key. */
function shellKey(key: KeyForm): string {
  return key.kind === 'reference' ? `"${key.shell}"` : shq(key.value);
}

/** In code: the environment variable, or the literal key. */
function codeKey(key: KeyForm, envName: string, lang: 'python' | 'javascript'): string {
  if (key.kind === 'inline') return JSON.stringify(key.value);
  return lang === 'python' ? `os.environ["${envName}"]` : `process.env.${envName}`;
}

function caLines(ctx: SnippetContext): string[] {
  if (!ctx.caFile) return [];
  // OpenAI's Python SDK (httpx) reads SSL_CERT_FILE; Node adds NODE_EXTRA_CA_CERTS to its roots.
  return [`export SSL_CERT_FILE=${shq(ctx.caFile)}`, `export NODE_EXTRA_CA_CERTS=${shq(ctx.caFile)}`];
}

const BUILD: Record<ConnectTool, (ctx: SnippetContext) => Omit<ConnectSnippet, 'tool'>> = {
  shell: (ctx) => ({
    title: 'Shell environment (OpenAI-compatible tools)',
    language: 'sh',
    text: [`export OPENAI_BASE_URL=${ctx.baseUrl}`, `export OPENAI_API_KEY=${shellKey(ctx.key)}`, ...caLines(ctx)].join('\n'),
    note: 'Most OpenAI-compatible tools read these two variables.',
  }),
  curl: (ctx) => ({
    title: 'curl',
    language: 'sh',
    text: [
      `curl -sS ${ctx.baseUrl}/chat/completions${ctx.caFile ? ` --cacert ${shq(ctx.caFile)}` : ''} \\`,
      `  -H "Authorization: Bearer ${ctx.key.kind === 'reference' ? ctx.key.shell : ctx.key.value}" \\`,
      `  -H "Content-Type: application/json" \\`,
      `  -d '{"model": "${ctx.model}", "max_tokens": 50, "messages": [{"role": "user", "content": "Hello"}]}'`,
    ].join('\n'),
    note: null,
  }),
  python: (ctx) => ({
    title: 'OpenAI Python SDK',
    language: 'python',
    text: [
      ...(ctx.key.kind === 'reference' ? ['# export OPENAI_API_KEY="' + ctx.key.shell + '" first', 'import os'] : []),
      'from openai import OpenAI',
      '',
      `client = OpenAI(base_url="${ctx.baseUrl}", api_key=${codeKey(ctx.key, 'OPENAI_API_KEY', 'python')})`,
      `reply = client.chat.completions.create(model="${ctx.model}", messages=[{"role": "user", "content": "Hello"}])`,
      'print(reply.choices[0].message.content)',
    ].join('\n'),
    note: ctx.caFile ? `pip install openai; trust the gateway's CA: export SSL_CERT_FILE=${ctx.caFile}` : 'pip install openai',
  }),
  node: (ctx) => ({
    title: 'OpenAI Node SDK',
    language: 'javascript',
    text: [
      ...(ctx.key.kind === 'reference' ? ['// export OPENAI_API_KEY="' + ctx.key.shell + '" first'] : []),
      "import OpenAI from 'openai';",
      '',
      `const client = new OpenAI({ baseURL: '${ctx.baseUrl}', apiKey: ${codeKey(ctx.key, 'OPENAI_API_KEY', 'javascript')} });`,
      `const reply = await client.chat.completions.create({ model: '${ctx.model}', messages: [{ role: 'user', content: 'Hello' }] });`,
      'console.log(reply.choices[0].message.content);',
    ].join('\n'),
    note: ctx.caFile ? `npm install openai; trust the gateway's CA: export NODE_EXTRA_CA_CERTS=${ctx.caFile}` : 'npm install openai',
  }),
  'open-webui': (ctx) => ({
    title: 'Open WebUI',
    language: 'sh',
    // `-e OPENAI_API_KEY` without a value passes the variable through: the key stays out of argv.
    // Host networking: the gateway listens on this machine's loopback, which a bridged container cannot reach.
    text: [
      `OPENAI_API_KEY=${shellKey(ctx.key)} \\`,
      `docker run -d --name open-webui --network host \\`,
      `  -e OPENAI_API_BASE_URL=${ctx.baseUrl} -e OPENAI_API_KEY \\`,
      `  -v open-webui:/app/backend/data ghcr.io/open-webui/open-webui:main`,
    ].join('\n'),
    note: 'Then open http://127.0.0.1:8080. Or, in a running Open WebUI: Admin Settings → Connections → OpenAI API, with the base URL and key above.',
  }),
  anthropic: (ctx) => ({
    title: 'Anthropic-style clients (Claude Code, Anthropic SDKs)',
    language: 'sh',
    text: [`export ANTHROPIC_BASE_URL=${ctx.origin}`, `export ANTHROPIC_AUTH_TOKEN=${shellKey(ctx.key)}`, ...caLines(ctx)].join('\n'),
    note: "LiteLLM answers Anthropic's /v1/messages route; the client adds /v1/messages to the base URL itself.",
  }),
};

export function buildSnippet(tool: ConnectTool, ctx: SnippetContext): ConnectSnippet {
  return { tool, ...BUILD[tool](ctx) };
}

/** Every snippet (or the one tool asked for), the key shown by reference only. */
export function connectInfo(opts: { origin: string; client: string | null; model: string; caFile: string | null; tool?: ConnectTool }): ConnectInfo {
  const ref = keyReference(opts.client);
  const ctx: SnippetContext = { baseUrl: `${opts.origin}/v1`, origin: opts.origin, model: opts.model, caFile: opts.caFile, key: { kind: 'reference', shell: ref } };
  const tools = opts.tool ? [opts.tool] : [...CONNECT_TOOLS];
  return {
    baseUrl: ctx.baseUrl,
    anthropicBaseUrl: opts.origin,
    client: opts.client,
    keyReference: ref,
    caFile: opts.caFile,
    snippets: tools.map((t) => buildSnippet(t, ctx)),
  };
}
