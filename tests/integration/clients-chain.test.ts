/**
 * Connect, Test and client keys end to end: the `gatehouse` CLI (a real process) against the
 * stand-in gateway in Docker, with the locally built PostgreSQL for the virtual keys and the real
 * keychain. The chain test names the cause and fix of a missing or expired Claude login; a client
 * key answers 200, still does after a master-key rotation and a restart, and is refused (401) at
 * once when revoked. No master or client key is in any file Gatehouse wrote, in a log line, or in
 * any output other than the explicit --print.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { ChainTestResult, ClientKeyInfo, ConnectInfo } from '../../shared/clients';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { clientKeyAccount } from '../../electron/core/clients/client-keys';
import { readAllFiles, runCli, stackContainers, testStack, docker, type CliResult, type TestStack } from './stack-helpers';
import { execIn, request, removeTestObjects, settingsWithDatabase } from './database-helpers';
import { startXvfb, waitFor } from './key-helpers';
import { SystemClipboard } from '../../electron/core/secrets/clipboard-system';

const stacks: TestStack[] = [];
after(async () => {
  for (const t of stacks) {
    await t.cleanup();
    await removeTestObjects(t.stack);
    const store = new KeytarSecretStore(t.service);
    for (const n of ['cursor', 'capped', 'brief', 'haiku-only']) await store.delete(clientKeyAccount(n)).catch(() => false);
  }
});

async function newStack(area: string): Promise<TestStack> {
  const t = await testStack(area);
  stacks.push(t);
  return t;
}

function errorCode(r: CliResult): string | undefined {
  return /\(error code ([A-Z_]+)\)/.exec(r.stderr)?.[1];
}

/** Every CLI run is kept: the leak check reads all of it (except the explicit --print outputs). */
function runner(t: TestStack, transcript: string[]) {
  return async (args: string[], timeoutMs = 120_000): Promise<CliResult> => {
    const r = await runCli(args, t.env, { timeoutMs });
    transcript.push(args.includes('--print') ? r.stderr : r.stdout + r.stderr);
    return r;
  };
}

async function modelsStatus(t: TestStack, key: string | null): Promise<number> {
  return (await request(t.port, 'GET', '/v1/models', key)).status;
}

async function setClaudeLogin(t: TestStack, state: 'ok' | 'none' | 'expired'): Promise<void> {
  const r = await request(t.port, 'POST', '/__standin/claude-login', (await t.masterKey()) as string, { state });
  assert.equal(r.status, 200, r.body);
}

async function gatewayLogs(t: TestStack): Promise<string> {
  let out = '';
  for (const c of await stackContainers(t.stack)) {
    out += ((await docker.getContainer(c.Id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer).toString('utf8');
  }
  return out;
}

describe('clients: connect and test the whole chain', () => {
  test('test names the cause and fix of no Claude login and an expired one, then passes; connect shows the key by reference; client keys without the database say db enable', async (ctx) => {
    const t = await newStack('chain');
    const transcript: string[] = [];
    const cli = runner(t, transcript);
    assert.equal((await cli(['start'])).code, 0);
    const key = (await t.masterKey()) as string;

    await setClaudeLogin(t, 'none');
    let r = await cli(['test']);
    assert.equal(r.code, 1, 'a failed test exits 1');
    assert.match(r.stdout, /The test failed\./);
    assert.match(r.stdout, /Cause:\s+The gateway has no Claude login/);
    assert.match(r.stdout, /Fix:\s+Make a token with `claude setup-token`, store it with `gatehouse claude set-token`, then `gatehouse restart`\./);
    assert.match(r.stdout, /Gateway said:\s+litellm\.APIConnectionError: .*Please run \/login/);
    assert.match(r.stdout, /HTTP status:\s+500/);

    // The security view's Claude-login check is fed by that result.
    const sec = await cli(['security', '--json']);
    const check = (JSON.parse(sec.stdout) as { checks: { id: string; status: string; detail?: string; summary?: string }[] }).checks.find((c) => c.id === 'claude-login');
    assert.equal(check?.status, 'fail', JSON.stringify(check));
    assert.match(JSON.stringify(check), /no Claude login/);

    await setClaudeLogin(t, 'expired');
    r = await cli(['test', '--json']);
    assert.equal(r.code, 1);
    const expired = JSON.parse(r.stdout) as ChainTestResult;
    assert.equal(expired.error?.cause, 'claude-login-expired');
    assert.equal(expired.failedStep, 'completion');
    assert.deepEqual(expired.models, ['claude-opus-4', 'claude-sonnet-4', 'claude-3-5-haiku']);

    await setClaudeLogin(t, 'ok');
    r = await cli(['test', '--model', 'claude-3-5-haiku', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ok = JSON.parse(r.stdout) as ChainTestResult;
    assert.equal(ok.ok, true);
    assert.equal(ok.model, 'claude-3-5-haiku');
    assert.equal(ok.answer, 'stand-in reply');
    assert.ok(ok.latencyMs !== null && ok.latencyMs >= 0 && ok.latencyMs < 10_000);
    ctx.diagnostic(`test round trip (chat completion): ${ok.latencyMs} ms`);
    r = await cli(['test']);
    assert.match(r.stdout, /The whole chain works/);
    assert.match(r.stdout, /Model:\s+claude-opus-4/, 'the first listed model when none is chosen');
    const pass = JSON.parse((await cli(['security', '--json'])).stdout) as { checks: { id: string; status: string }[] };
    assert.equal(pass.checks.find((c) => c.id === 'claude-login')?.status, 'pass', 'a passing test clears the failure');

    r = await cli(['test', '--model', 'no-such-model', '--json']);
    assert.equal((JSON.parse(r.stdout) as ChainTestResult).error?.cause, 'model-unknown');

    // Connect: every snippet, the key as a reference only.
    r = await cli(['connect', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as ConnectInfo;
    assert.equal(info.baseUrl, `http://127.0.0.1:${t.port}/v1`);
    assert.equal(info.snippets.length, 6);
    assert.match(info.snippets.find((s) => s.tool === 'shell')!.text, /OPENAI_API_KEY="\$\(gatehouse key print\)"/);
    r = await cli(['connect', '--for', 'anthropic']);
    assert.match(r.stdout, new RegExp(`export ANTHROPIC_BASE_URL=http://127\\.0\\.0\\.1:${t.port}\\n`));
    // The Anthropic-style route answers with the same key.
    const msg = await request(t.port, 'POST', '/v1/messages', key, { model: 'claude-sonnet-4', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(msg.status, 200, msg.body);
    r = await cli(['connect', '--for', 'emacs']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Use one of: shell, curl, python, node, open-webui, anthropic/);

    // Client keys without the database: a clear error naming the command.
    r = await cli(['clients', 'add', 'cursor']);
    assert.equal(r.code, 1);
    assert.equal(errorCode(r), 'DATABASE_OFF');
    assert.match(r.stderr, /gatehouse db enable/);
    assert.match(r.stderr, /PostgreSQL container/);

    const everything = transcript.join('\n') + readAllFiles(t.home) + (await gatewayLogs(t));
    assert.equal(everything.includes(key), false, 'the master key is in no output, file or log');
  });
});

describe('clients: per-tool keys (LiteLLM virtual keys in PostgreSQL)', () => {
  test('client key 200 → master key rotated → still 200 → restart → still 200 → rotated → old 401 → revoked → 401 at once; limits; no key leaks', async (ctx) => {
    const t = await newStack('vkeys');
    t.writeSettings({ ...settingsWithDatabase(), clipboardClearSeconds: 5 });
    const transcript: string[] = [];
    const cli = runner(t, transcript);
    const store = new KeytarSecretStore(t.service);
    let r = await cli(['start'], 240_000);
    assert.equal(r.code, 0, r.stderr);
    const master1 = (await t.masterKey()) as string;

    // add --print: the key on stdout only, and the same key in the keychain under its own account.
    r = await cli(['clients', 'add', 'cursor', '--budget', '5', '--expires', '30d', '--print']);
    assert.equal(r.code, 0, r.stderr);
    const cursor1 = r.stdout.trim();
    assert.match(cursor1, /^sk-[A-Za-z0-9_-]{20,}$/);
    assert.equal(await store.get(clientKeyAccount('cursor')), cursor1, 'one keychain entry per client');
    assert.equal(await modelsStatus(t, cursor1), 200);

    // Stored hashed: the table holds the SHA-256, never the key.
    const dbc = (await stackContainers(t.stack)).find((c) => c.Names[0] === `/${t.stack}-db`)!;
    const dump = await execIn(docker.getContainer(dbc.Id), ['psql', '-X', '-At', '-U', 'llmproxy', '-d', 'litellm', '-c', 'SELECT token, key_alias FROM "LiteLLM_VerificationToken"']);
    assert.equal(dump.code, 0, dump.output);
    assert.match(dump.output, new RegExp(`^${crypto.createHash('sha256').update(cursor1).digest('hex')}\\|cursor$`, 'm'));
    assert.equal(dump.output.includes(cursor1), false);

    r = await cli(['clients', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    let list = JSON.parse(r.stdout) as ClientKeyInfo[];
    assert.equal(list.length, 1);
    assert.equal(list[0]!.name, 'cursor');
    assert.equal(list[0]!.maxBudget, 5);
    assert.equal(list[0]!.inGateway, true);
    assert.ok(list[0]!.expires && Math.abs(Date.parse(list[0]!.expires) - (Date.now() + 30 * 86400e3)) < 120_000, 'expires in 30 days');
    r = await cli(['clients', 'list']);
    assert.match(r.stdout, /^cursor\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\$5\.00\s+\$0\.0000\s+all\s+sha256:[0-9a-f]{12}$/m);

    // The test and the connect snippets with the client key.
    r = await cli(['test', '--client', 'cursor', '--json']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal((JSON.parse(r.stdout) as ChainTestResult).client, 'cursor');
    r = await cli(['connect', '--client', 'cursor', '--for', 'shell']);
    assert.match(r.stdout, /OPENAI_API_KEY="\$\(gatehouse clients copy cursor --print\)"/);
    r = await cli(['clients', 'copy', 'cursor', '--print']);
    assert.equal(r.stdout.trim(), cursor1, 'copy --print gives the keychain\'s key');

    // Without --print: the guarded clipboard, as `key copy` (marked secret, cleared by the detached helper).
    const x = await startXvfb();
    try {
      const xenv = { ...t.env, DISPLAY: x.display, WAYLAND_DISPLAY: '' };
      const xclip = new SystemClipboard(xenv);
      const copied = await runCli(['clients', 'copy', 'cursor'], xenv);
      transcript.push(copied.stdout + copied.stderr);
      assert.equal(copied.code, 0, copied.stderr);
      assert.match(copied.stderr, /Copied the key of "cursor" \(sha256:[0-9a-f]{12}\) to the clipboard via .*cleared in 5 s/);
      assert.equal(await xclip.readText(), cursor1, 'the clipboard holds the client key');
      assert.ok(await waitFor(async () => (await xclip.readText()) === '', 9000, 200), 'cleared by the helper');
    } finally {
      await x.stop();
    }
    assert.equal((JSON.parse((await cli(['clients', 'list', '--json'])).stdout) as ClientKeyInfo[])[0]!.spend! > 0, true, 'spend counted');

    // Master key rotation: the client key keeps working, the old master key is refused.
    r = await cli(['key', 'rotate'], 180_000);
    assert.equal(r.code, 0, r.stderr);
    const master2 = (await t.masterKey()) as string;
    assert.notEqual(master2, master1);
    assert.equal(await modelsStatus(t, master1), 401, 'old master key refused');
    assert.equal(await modelsStatus(t, cursor1), 200, 'client key unaffected by the master-key rotation');

    // …and a restart of the whole stack (keys live in PostgreSQL).
    assert.equal((await cli(['restart'], 240_000)).code, 0);
    assert.equal(await modelsStatus(t, cursor1), 200, 'client key survives a restart');

    // Rotating the client key (LiteLLM without a license: /key/regenerate refused, so delete + generate
    // with the same limits): new key works, old one refused at once; limits kept.
    r = await cli(['clients', 'rotate', 'cursor', '--print']);
    assert.equal(r.code, 0, r.stderr);
    const cursor2 = r.stdout.trim();
    assert.notEqual(cursor2, cursor1);
    assert.equal(await store.get(clientKeyAccount('cursor')), cursor2);
    assert.equal(await modelsStatus(t, cursor1), 401, 'the old client key is refused after its rotation');
    assert.equal(await modelsStatus(t, cursor2), 200);
    list = JSON.parse((await cli(['clients', 'list', '--json'])).stdout) as ClientKeyInfo[];
    assert.equal(list[0]!.maxBudget, 5, 'the budget survives the client rotation');

    // Revoking: 401 at once, keychain entry gone.
    r = await cli(['clients', 'revoke', 'cursor']);
    assert.equal(r.code, 0, r.stderr);
    const revokedAt = Date.now();
    assert.equal(await modelsStatus(t, cursor2), 401, 'revoked key refused at once');
    ctx.diagnostic(`revoked → first request refused within ${Date.now() - revokedAt} ms`);
    assert.equal(await store.get(clientKeyAccount('cursor')), null);
    r = await cli(['clients', 'copy', 'cursor', '--print']);
    assert.equal(errorCode(r), 'NOT_FOUND');
    assert.deepEqual(JSON.parse((await cli(['clients', 'list', '--json'])).stdout), []);

    // Limits: budget, expiry, models — each failure named by the test.
    r = await cli(['clients', 'add', 'capped', '--budget', '0.0001', '--print']);
    assert.equal(r.code, 0, r.stderr);
    const capped = r.stdout.trim();
    assert.equal((await cli(['test', '--client', 'capped'])).code, 0, 'the first call fits the budget');
    r = await cli(['test', '--client', 'capped', '--json']);
    assert.equal((JSON.parse(r.stdout) as ChainTestResult).error?.cause, 'budget-exceeded');
    r = await cli(['clients', 'add', 'brief', '--expires', '1s', '--json']);
    assert.equal(r.code, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 1500));
    r = await cli(['test', '--client', 'brief', '--json']);
    assert.equal((JSON.parse(r.stdout) as ChainTestResult).error?.cause, 'key-expired');
    // No clipboard here: the key stays in the keychain and the command says how to get it.
    r = await runCli(['clients', 'add', 'haiku-only', '--models', 'claude-3-5-haiku'], { ...t.env, DISPLAY: '', WAYLAND_DISPLAY: '' });
    transcript.push(r.stdout + r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Made client key "haiku-only" and stored it in the keychain/);
    assert.match(r.stderr, /could not be copied.*\n.*gatehouse clients copy haiku-only --print/);
    r = await runCli(['clients', 'copy', 'haiku-only'], { ...t.env, DISPLAY: '', WAYLAND_DISPLAY: '' });
    transcript.push(r.stdout + r.stderr);
    assert.equal(errorCode(r), 'CLIPBOARD_UNAVAILABLE');
    assert.match(r.stderr, /fix: .*gatehouse clients copy haiku-only --print/);
    r = await cli(['test', '--client', 'haiku-only', '--model', 'claude-opus-4', '--json']);
    const denied = JSON.parse(r.stdout) as ChainTestResult;
    assert.deepEqual(denied.models, ['claude-3-5-haiku'], 'the key lists only its models');
    assert.equal(denied.error?.cause, 'model-not-allowed');
    r = await cli(['clients', 'add', 'capped']);
    assert.equal(r.code, 2, 'a second key of the same name is refused');

    // No master or client key anywhere but the --print outputs.
    const keys = [master1, master2, cursor1, cursor2, capped, (await store.get(clientKeyAccount('brief'))) as string, (await store.get(clientKeyAccount('haiku-only'))) as string];
    const everything = transcript.join('\n') + readAllFiles(t.home) + (await gatewayLogs(t));
    for (const k of keys) assert.equal(everything.includes(k), false, 'no key in any output, file or container log');
  });
});
