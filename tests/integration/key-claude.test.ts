/**
 * `gatehouse claude set-token / status`, and the token and salt key reaching the gateway as
 * container environment at the next start: real keychain, real Docker, the stand-in.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { ROOT, docker, stackContainers, testStack, type TestStack } from './stack-helpers';
import { gatehouse, tarWith } from './key-helpers';

describe('Claude token and login status', () => {
  let t: TestStack;
  let store: KeytarSecretStore;
  before(async () => {
    t = await testStack('kclaude');
    store = new KeytarSecretStore(t.service);
  });
  after(async () => {
    await t.cleanup();
  });

  test('refuses a token on the command line, and a malformed one on stdin', async () => {
    const argv = await gatehouse(['claude', 'set-token', 'sk-ant-oat01-' + 'x'.repeat(60)], t.env);
    assert.equal(argv.code, 2);
    assert.match(argv.stderr, /must not be given on the command line/);
    const bad = await gatehouse(['claude', 'set-token'], t.env, { input: 'sk-ant-api03-' + 'y'.repeat(60) + '\n' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /TOKEN_INVALID/);
    assert.equal(await store.get(ACCOUNTS.claudeToken), null);
  });

  test('status before anything: no token, no volume yet', async () => {
    const r = await gatehouse(['claude', 'status', '--json'], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { tokenStored: false, volumeHasLogin: false, volume: `${t.stack}-claude` });
  });

  test('a token from stdin is stored and injected with the salt key at the next start', async () => {
    const token = 'sk-ant-oat01-' + crypto.randomBytes(70).toString('base64url');
    const r = await gatehouse(['claude', 'set-token', '--json'], t.env, { input: token + '\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).tokenStored, true);
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token));
    assert.equal(fingerprint((await store.get(ACCOUNTS.claudeToken)) ?? ''), fingerprint(token));
    const s = await gatehouse(['start'], t.env);
    assert.equal(s.code, 0, s.stderr);
    const [c] = await stackContainers(t.stack);
    const env = (await docker.getContainer(c!.Id).inspect()).Config.Env;
    assert.ok(env.includes(`CLAUDE_CODE_OAUTH_TOKEN=${token}`), 'the token is in the container environment');
    const salt = await store.get(ACCOUNTS.saltKey);
    assert.ok(salt && env.includes(`LITELLM_SALT_KEY=${salt}`), 'a salt key was generated once and injected');
    // The salt key is never rotated.
    assert.equal((await gatehouse(['key', 'rotate'], t.env)).code, 0);
    assert.equal(fingerprint((await store.get(ACCOUNTS.saltKey)) ?? ''), fingerprint(salt));
  });

  test('on a terminal the token is typed without echo (a real pty through script(1))', async () => {
    const token = 'sk-ant-oat01-' + crypto.randomBytes(70).toString('base64url');
    const cli = `'${process.execPath}' --import tsx '${path.join(ROOT, 'electron', 'cli', 'main.ts')}' claude set-token`;
    const out = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn('script', ['-qfec', cli, '/dev/null'], { cwd: ROOT, env: t.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let text = '';
      let sent = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('set-token on a pty did not finish within 30 s'));
      }, 30_000);
      child.stdout.on('data', (c: Buffer) => {
        text += c.toString();
        // Type only once the prompt shows: by then echo is off (before it, the pty itself would echo).
        if (!sent && text.includes('nothing is shown')) {
          sent = true;
          child.stdin.write(token + '\r');
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, text });
      });
    });
    assert.equal(out.code, 0, 'set-token on a terminal succeeded');
    // On failure say where the token showed (never the token): right after the prompt means
    // the pty echoed it before raw mode was on.
    const at = out.text.indexOf(token);
    const promptEnd = out.text.indexOf('nothing is shown') + 'nothing is shown): '.length;
    assert.ok(at === -1, `the token (${token.length} chars) was echoed at offset ${at} of ${out.text.length}; the prompt ends at ${promptEnd}`);
    assert.ok(!out.text.includes(token.slice(13, 40)), 'not even in part');
    assert.match(out.text, /Stored the Claude token/);
    assert.equal(fingerprint((await store.get(ACCOUNTS.claudeToken)) ?? ''), fingerprint(token));
  });

  test('status sees a login in the credentials volume (read through a created, never started helper)', async () => {
    let r = await gatehouse(['claude', 'status', '--json'], t.env);
    assert.equal(JSON.parse(r.stdout).volumeHasLogin, false, 'the volume exists but holds no login');
    const [c] = await stackContainers(t.stack);
    await docker.getContainer(c!.Id).putArchive(tarWith('.credentials.json', '{"claudeAiOauth":{}}', 0o600), { path: '/home/claude/.claude' });
    r = await gatehouse(['claude', 'status'], t.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Token in keychain: +yes/);
    assert.match(r.stdout, new RegExp(`Credentials volume: +${t.stack}-claude\n`));
    assert.match(r.stdout, /Login in volume: +yes\n/);
    const helpers = (await stackContainers(t.stack)).filter((x) => x.Labels['io.gatehouse.role'] === 'inspect-helper');
    assert.equal(helpers.length, 0, 'the helper container was removed');
  });
});
