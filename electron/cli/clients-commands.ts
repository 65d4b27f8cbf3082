import { CONNECT_TOOLS, type ChainTestResult, type ClientKeyInfo, type ClientKeyOptions, type ConnectInfo, type ConnectTool } from '../../shared/clients';
import { GatehouseError } from '../core/errors';
import type { Gatehouse } from '../core/gatehouse';
import { fingerprint } from '../core/secrets/master-key';
import { secretHash } from '../core/secrets/clipboard';
import { SystemClipboard } from '../core/secrets/clipboard-system';
import { scheduleDetachedClear } from '../core/secrets/clipboard-clear-helper';
import { flagString, type ParsedArgs } from './args';
import type { CliCommand } from './command';
import { formatRows, printJson, type CliIO } from './output';

/** `gatehouse connect`, `gatehouse test` and `gatehouse clients …`: tools on the gateway. */

// --- formatting (exported for unit tests) ----------------------------------------------------

export function formatConnect(info: ConnectInfo): string {
  const head = [
    `Base URL:        ${info.baseUrl}`,
    `Anthropic URL:   ${info.anthropicBaseUrl}`,
    `Key:             ${info.client === null ? 'the master key' : `client key "${info.client}"`}, read by ${info.keyReference}`,
    ...(info.caFile ? [`Trust (HTTPS):   ${info.caFile}`] : []),
  ];
  const blocks = info.snippets.map((s) => `## ${s.title} (--for ${s.tool})\n${s.text}\n${s.note ? `# ${s.note}\n` : ''}`);
  return `${head.join('\n')}\n\n${blocks.join('\n')}`;
}

export function formatTest(r: ChainTestResult): string {
  const rows: [string, string][] = [
    ['Gateway', r.baseUrl],
    ['Key', r.client === null ? 'master key' : `client key "${r.client}"`],
    ['Models', r.models.length ? r.models.join(', ') : '-'],
  ];
  if (r.model) rows.push(['Model', r.model]);
  if (r.latencyMs !== null) rows.push(['Latency', `${r.latencyMs} ms`]);
  if (r.ok) {
    rows.push(['Answer', JSON.stringify(r.answer ?? '')]);
    return `The whole chain works: the gateway took the key and the model answered.\n${formatRows(rows)}`;
  }
  const e = r.error;
  rows.push(['Failed at', r.failedStep === 'models' ? 'listing models (/v1/models)' : 'the chat completion (/v1/chat/completions)']);
  if (r.status !== null) rows.push(['HTTP status', String(r.status)]);
  if (e) {
    rows.push(['Cause', e.plain], ['Fix', e.fix], ['Gateway said', e.gatewayText]);
  }
  return `The test failed.\n${formatRows(rows)}`;
}

function money(v: number | null): string {
  return v === null ? '-' : `$${v.toFixed(v < 1 ? 4 : 2)}`;
}

export function formatClients(list: ClientKeyInfo[]): string {
  if (!list.length) return 'No client keys yet. Make one per tool: `gatehouse clients add NAME`.\n';
  const header = ['NAME', 'CREATED', 'EXPIRES', 'BUDGET', 'SPEND', 'MODELS', 'KEY'];
  const rows = list.map((c) => [
    c.name,
    c.createdAt ? c.createdAt.slice(0, 16).replace('T', ' ') : '-',
    c.expires ? c.expires.slice(0, 16).replace('T', ' ') : 'never',
    money(c.maxBudget),
    money(c.spend),
    c.models.length ? c.models.join(',') : 'all',
    c.inGateway ? (c.fingerprint ?? '-') : 'gone from the gateway',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [header, ...rows].map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i] as number))).join('  ')).join('\n') + '\n';
}

// --- argument helpers ------------------------------------------------------------------------

function toolFlag(args: ParsedArgs): ConnectTool | undefined {
  const t = flagString(args, 'for');
  if (t === undefined) return undefined;
  if (!(CONNECT_TOOLS as readonly string[]).includes(t)) {
    throw new GatehouseError('INVALID_ARGUMENT', `There is no snippet for "${t.slice(0, 40)}".`, `Use one of: ${CONNECT_TOOLS.join(', ')}.`);
  }
  return t as ConnectTool;
}

export function keyOptions(args: ParsedArgs): ClientKeyOptions {
  const o: ClientKeyOptions = {};
  const models = flagString(args, 'models');
  if (models !== undefined) o.models = models.split(',').map((m) => m.trim()).filter(Boolean);
  const budget = flagString(args, 'budget');
  if (budget !== undefined) {
    const n = Number(budget.replace(/^\$/, ''));
    if (!Number.isFinite(n)) throw new GatehouseError('INVALID_ARGUMENT', `--budget "${budget.slice(0, 20)}" is not a number.`, 'Give US dollars: --budget 5 (or 2.50).');
    o.budget = n;
  }
  const expires = flagString(args, 'expires');
  if (expires !== undefined) o.expires = expires;
  return o;
}

function noJsonWithPrint(args: ParsedArgs): void {
  if (args.flags.has('print') && args.flags.has('json')) {
    throw new GatehouseError('INVALID_ARGUMENT', '--print and --json cannot be combined: --print writes only the key.', 'Use one of them.');
  }
}

/**
 * The key to the user: stdout with --print, else the clipboard marked secret with the detached
 * clear (as `gatehouse key copy`). A missing clipboard is said, not fatal, when the key is kept
 * in the keychain anyway (`clients copy NAME --print` still gets it).
 */
async function handOver(c: Gatehouse, io: CliIO, key: string, name: string, args: ParsedArgs, clipboardRequired: boolean): Promise<void> {
  if (args.flags.has('print')) {
    if (io.stdout.isTTY) io.stderr.write('(Printing the key on a terminal leaves it in the scroll-back; prefer the clipboard: leave out --print.)\n');
    io.stdout.write(key + '\n');
    return;
  }
  const settings = await c.settings.get();
  let clipboard: SystemClipboard;
  let concealed: boolean;
  try {
    // Finding the clipboard tool can fail already (no display in this session).
    clipboard = new SystemClipboard(c.env);
    ({ concealed } = await clipboard.writeSecret(key));
  } catch (err) {
    const why = err instanceof GatehouseError ? err.message : String(err);
    if (clipboardRequired) {
      throw new GatehouseError('CLIPBOARD_UNAVAILABLE', why, `Run it inside your desktop session, or pass the key to a script: \`gatehouse clients copy ${name} --print\`.`, { cause: err });
    }
    io.stderr.write(`The key is in the keychain, but it could not be copied: ${why}\nGet it with \`gatehouse clients copy ${name}\` on a desktop, or \`gatehouse clients copy ${name} --print\`.\n`);
    return;
  }
  const state = await scheduleDetachedClear({ hash: secretHash(key), clearSeconds: settings.clipboardClearSeconds, home: c.home, env: c.env });
  io.stderr.write(`Copied the key of "${name}" (${fingerprint(key)}) to the clipboard via ${clipboard.name}; it is cleared in ${state.secondsLeft} s if the clipboard still holds it.\n`);
  if (!concealed) io.stderr.write('Note: this clipboard tool cannot mark the key as a secret, so a clipboard manager may record it until it is cleared.\n');
}

function describeOne(c: ClientKeyInfo): string {
  return formatRows([
    ['Client', c.name],
    ['Key', c.fingerprint ?? '-'],
    ['Expires', c.expires ?? 'never'],
    ['Budget', c.maxBudget === null ? 'none' : `$${c.maxBudget}`],
    ['Models', c.models.length ? c.models.join(', ') : 'all'],
  ]);
}

const NAME: [number, number] = [1, 1];

export const CLIENTS_COMMANDS: CliCommand[] = [
  {
    path: ['connect'],
    usage: 'connect [--for TOOL] [--client NAME] [--json]',
    summary: `Base URL and ready snippets (${CONNECT_TOOLS.join(', ')}); the key only as a reference`,
    flags: { for: true, client: true, json: false },
    async run({ core, io, args }) {
      const tool = toolFlag(args);
      const info = await (await core()).clients.connect({ client: flagString(args, 'client') ?? null, tool });
      if (args.flags.has('json')) printJson(io, info);
      else io.stdout.write(formatConnect(info));
      return 0;
    },
  },
  {
    path: ['test'],
    usage: 'test [--model M] [--client NAME] [--json]',
    summary: 'Test the whole chain: list models with the key, then one tiny chat completion (spends a few tokens)',
    flags: { model: true, client: true, json: false },
    async run({ core, io, args, signal }) {
      const r = await (await core()).clients.test({ model: flagString(args, 'model') ?? null, client: flagString(args, 'client') ?? null, signal });
      if (args.flags.has('json')) printJson(io, r);
      else io.stdout.write(formatTest(r));
      return r.ok ? 0 : 1;
    },
  },
  {
    path: ['clients', 'add'],
    usage: 'clients add NAME [--models A,B] [--budget USD] [--expires 30d] [--print] [--json]',
    positionals: NAME,
    summary: 'Make a client key for one tool (LiteLLM virtual key; needs the database); copied to the clipboard, or stdout with --print',
    flags: { models: true, budget: true, expires: true, print: false, json: false },
    async run({ core, io, args }) {
      noJsonWithPrint(args);
      const name = args.positionals[0] as string;
      const options = keyOptions(args);
      const c = await core();
      const info = await c.clients.keys.add(name, options);
      if (args.flags.has('json')) printJson(io, info);
      else if (!args.flags.has('print')) io.stdout.write(`Made client key "${name}" and stored it in the keychain.\n${describeOne(info)}`);
      if (!args.flags.has('json')) await handOver(c, io, await c.clients.keys.reveal(name), name, args, false);
      return 0;
    },
  },
  {
    path: ['clients', 'list'],
    usage: 'clients list [--json]',
    summary: 'Client keys: alias, created, expiry, budget and spend (from LiteLLM), key fingerprint',
    flags: { json: false },
    async run({ core, io, args }) {
      const list = await (await core()).clients.keys.list();
      if (args.flags.has('json')) printJson(io, list);
      else io.stdout.write(formatClients(list));
      return 0;
    },
  },
  {
    path: ['clients', 'copy'],
    usage: 'clients copy NAME [--print]',
    positionals: NAME,
    summary: "Copy a client's key to the clipboard (marked secret, cleared after clipboardClearSeconds), or stdout with --print",
    flags: { print: false },
    async run({ core, io, args }) {
      const name = args.positionals[0] as string;
      const c = await core();
      await handOver(c, io, await c.clients.keys.reveal(name), name, args, true);
      return 0;
    },
  },
  {
    path: ['clients', 'rotate'],
    usage: 'clients rotate NAME [--print] [--json]',
    positionals: NAME,
    summary: "Give a client a new key (same limits); the old one is refused at once",
    flags: { print: false, json: false },
    async run({ core, io, args }) {
      noJsonWithPrint(args);
      const name = args.positionals[0] as string;
      const c = await core();
      const info = await c.clients.keys.rotate(name);
      if (args.flags.has('json')) printJson(io, info);
      else if (!args.flags.has('print')) io.stdout.write(`Gave "${name}" a new key (${info.fingerprint}); the old one is refused from now on.\n`);
      if (!args.flags.has('json')) await handOver(c, io, await c.clients.keys.reveal(name), name, args, false);
      return 0;
    },
  },
  {
    path: ['clients', 'revoke'],
    usage: 'clients revoke NAME',
    positionals: NAME,
    summary: "Delete a client's key in LiteLLM (refused at once) and in the keychain",
    flags: {},
    async run({ core, io, args }) {
      const name = args.positionals[0] as string;
      await (await core()).clients.keys.revoke(name);
      io.stdout.write(`Revoked the key of "${name}": the gateway refuses it from now on, and it is gone from the keychain.\n`);
      return 0;
    },
  },
];
