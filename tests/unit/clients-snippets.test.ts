/**
 * Connect snippets and the test's failure causes, as pure functions: every snippet names the key
 * by reference only, "Copy with key" puts it inline, the base URLs end where each client expects,
 * and LiteLLM's error texts map to the cause a user can act on, with keys scrubbed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { CONNECT_TOOLS } from '../../shared/clients';
import { buildSnippet, connectInfo, keyReference } from '../../electron/core/clients/snippets';
import { classifyFailure, failure } from '../../electron/core/clients/chain-test';
import { gatewayErrorText, scrubKeys } from '../../electron/core/clients/gateway-http';
import { validateClientName, validateKeyOptions } from '../../electron/core/clients/client-keys';
import { formatClients, formatConnect, formatTest, keyOptions } from '../../electron/cli/clients-commands';
import { parseArgs } from '../../electron/cli/args';
import { GatehouseError } from '../../electron/core/errors';
import { Redactor } from '../../electron/core/logs/redactor';

const KEY = 'sk-' + 'a1'.repeat(32);

test('every snippet shows the key as a reference, never inline; the base URL ends in /v1 (Anthropic: the origin)', () => {
  const info = connectInfo({ origin: 'http://127.0.0.1:4000', client: null, model: 'claude-sonnet-4', caFile: null });
  assert.equal(info.baseUrl, 'http://127.0.0.1:4000/v1');
  assert.equal(info.anthropicBaseUrl, 'http://127.0.0.1:4000');
  assert.deepEqual(info.snippets.map((s) => s.tool), [...CONNECT_TOOLS]);
  const byTool = Object.fromEntries(info.snippets.map((s) => [s.tool, s.text]));
  assert.match(byTool.shell!, /^export OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:4000\/v1\nexport OPENAI_API_KEY="\$\(gatehouse key print\)"$/);
  assert.match(byTool.curl!, /Authorization: Bearer \$\(gatehouse key print\)/);
  assert.match(byTool.python!, /base_url="http:\/\/127\.0\.0\.1:4000\/v1", api_key=os\.environ\["OPENAI_API_KEY"\]/);
  assert.match(byTool.node!, /baseURL: 'http:\/\/127\.0\.0\.1:4000\/v1', apiKey: process\.env\.OPENAI_API_KEY/);
  assert.match(byTool['open-webui']!, /-e OPENAI_API_BASE_URL=http:\/\/127\.0\.0\.1:4000\/v1 -e OPENAI_API_KEY \\/, 'the key passes by name, not in docker argv');
  assert.match(byTool.anthropic!, /^export ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:4000\nexport ANTHROPIC_AUTH_TOKEN="\$\(gatehouse key print\)"$/);
  for (const s of info.snippets) assert.doesNotMatch(s.text, /sk-[0-9a-f]/, `${s.tool}: no key inline`);
});

test('a client key is named by its own reference; --for gives one snippet', () => {
  assert.equal(keyReference('cursor'), '$(gatehouse clients copy cursor --print)');
  const info = connectInfo({ origin: 'https://127.0.0.1:4443', client: 'cursor', model: 'm', caFile: '/home/u/.local/share/gatehouse/tls/ca.pem', tool: 'shell' });
  assert.equal(info.snippets.length, 1);
  assert.match(info.snippets[0]!.text, /OPENAI_API_KEY="\$\(gatehouse clients copy cursor --print\)"/);
  assert.match(info.snippets[0]!.text, /export SSL_CERT_FILE='\/home\/u\/\.local\/share\/gatehouse\/tls\/ca\.pem'/, 'HTTPS from the local CA: the CA to trust');
  assert.match(formatConnect(info), /Key:\s+client key "cursor", read by \$\(gatehouse clients copy cursor --print\)/);
});

test('"Copy with key" puts the key inline, quoted for the shell', () => {
  const ctx = { baseUrl: 'http://127.0.0.1:4000/v1', origin: 'http://127.0.0.1:4000', model: 'm', caFile: null, key: { kind: 'inline' as const, value: KEY } };
  assert.equal(buildSnippet('shell', ctx).text, `export OPENAI_BASE_URL=http://127.0.0.1:4000/v1\nexport OPENAI_API_KEY='${KEY}'`);
  assert.match(buildSnippet('python', ctx).text, new RegExp(`api_key="${KEY}"`));
  assert.doesNotMatch(buildSnippet('python', ctx).text, /os\.environ/);
  assert.equal(buildSnippet('shell', { ...ctx, key: { kind: 'inline', value: "it's" } }).text.split('\n')[1], `export OPENAI_API_KEY='it'\\''s'`);
});

test('failure causes from LiteLLM\'s words and statuses', () => {
  const c = (status: number | null, text: string, step: 'models' | 'completion' = 'completion') => classifyFailure(step, status, text);
  assert.equal(c(500, 'litellm.APIConnectionError: Claude_codeException - Invalid API key · Please run /login. Received Model Group=x'), 'no-claude-login');
  assert.equal(c(401, 'litellm.AuthenticationError: {"message":"OAuth token has expired. Please obtain a new token or refresh your existing token."}'), 'claude-login-expired');
  assert.equal(c(401, 'Authentication Error - Expired Key. Key Expiry time 2026-01-01 and current time 2026-02-01'), 'key-expired');
  assert.equal(c(400, '/chat/completions: Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.'), 'model-unknown');
  assert.equal(c(401, 'Authentication Error, key not allowed to access model. This key can only access models=["a"]. Tried to access b'), 'model-not-allowed');
  assert.equal(c(429, 'litellm.RateLimitError: too many'), 'rate-limited');
  assert.equal(c(400, 'Budget has been exceeded! Current cost: 1, Max budget: 0.5'), 'budget-exceeded');
  assert.equal(c(401, 'Authentication Error, Invalid proxy server token passed.', 'models'), 'key-refused');
  assert.equal(c(null, 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4000', 'models'), 'gateway-unreachable');
  assert.equal(c(500, 'something odd'), 'gateway-error');
  const f = failure('no-claude-login', 'x');
  assert.match(f.fix, /claude setup-token/);
  assert.match(f.fix, /gatehouse claude set-token/);
});

test('LiteLLM error texts lose every key and key hash before they are shown or kept', () => {
  const hash = 'f'.repeat(64);
  const text = gatewayErrorText({
    status: 401,
    text: '',
    json: { error: { message: `Authentication Error, Invalid proxy server token passed. Received API Key = sk-...abcd, Key Hash (Token) =${hash}. Unable to find token`, type: 'auth_error' } },
  });
  assert.doesNotMatch(text, /abcd|fffff/);
  assert.match(text, /Received API Key = sk-…, Key Hash \(Token\) =\[hash\]/);
  assert.equal(scrubKeys(`key ${KEY} here`), 'key sk-… here');
  assert.equal(gatewayErrorText({ status: 404, text: '', json: { detail: { error: 'Key not found' } } }), '{"error":"Key not found"}');
});

test('client names and key options are checked before anything is sent', () => {
  assert.equal(validateClientName('open-webui'), 'open-webui');
  for (const bad of ['', '-x', 'a b', 'x'.repeat(64), 'a/b', '$(rm)']) assert.throws(() => validateClientName(bad), (e: unknown) => e instanceof GatehouseError && e.code === 'INVALID_ARGUMENT', bad);
  assert.deepEqual(keyOptions(parseArgs(['--models', 'a, b', '--budget', '$2.5', '--expires', '30d'], { models: true, budget: true, expires: true })), { models: ['a', 'b'], budget: 2.5, expires: '30d' });
  assert.throws(() => validateKeyOptions({ expires: '30 days' }), /not a duration/);
  assert.throws(() => validateKeyOptions({ budget: 0 }), /positive/);
  assert.throws(() => keyOptions(parseArgs(['--budget', 'lots'], { budget: true })), /not a number/);
});

test('list and test output', () => {
  assert.match(formatClients([]), /No client keys yet/);
  const out = formatClients([
    { name: 'cursor', fingerprint: 'sha256:0123456789ab', inGateway: true, createdAt: '2026-12-01T10:00:00.000Z', expires: null, maxBudget: 5, spend: 0.0002, models: [], },
    { name: 'old', fingerprint: 'sha256:ba9876543210', inGateway: false, createdAt: null, expires: '2026-12-31T00:00:00Z', maxBudget: null, spend: null, models: ['a'] },
  ]);
  assert.match(out, /^NAME\s+CREATED\s+EXPIRES\s+BUDGET\s+SPEND\s+MODELS\s+KEY$/m);
  assert.match(out, /^cursor\s+2026-12-01 10:00\s+never\s+\$5\.00\s+\$0\.0002\s+all\s+sha256:0123456789ab$/m);
  assert.match(out, /gone from the gateway/);
  const failed = formatTest({
    ok: false, at: 'now', baseUrl: 'http://x/v1', client: null, models: ['m'], model: 'm', latencyMs: 12, answer: null, failedStep: 'completion', status: 500,
    error: failure('no-claude-login', 'Please run /login'),
  });
  assert.match(failed, /Cause:\s+The gateway has no Claude login/);
  assert.match(failed, /Fix:\s+Make a token with `claude setup-token`/);
  assert.match(failed, /Gateway said:\s+Please run \/login/);
});

test('a client key printed by the gateway is redacted by the log pipeline\'s shape rule (LiteLLM virtual keys are sk- + URL-safe base64)', () => {
  const clientKey = 'sk-' + crypto.randomBytes(16).toString('base64url');
  const out = new Redactor().redact(`12:00:00 - LiteLLM Proxy:DEBUG: auth.py:1 - checking key ${clientKey} for route /v1/models`);
  assert.equal(out.includes(clientKey), false);
  assert.match(out, /\[REDACTED:sk-key\]/);
});
