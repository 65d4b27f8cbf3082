/**
 * extraEnv takes no secrets: secret-shaped names and values are refused everywhere a setting can
 * come from (the store, the window's settings:update, `gatehouse settings set`), without the
 * value in the message; variables that redirect the gateway's traffic or load code into it are
 * allowed with a warning. The seed's own non-secret variables stay allowed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extraEnvWarnings, isSecretShapedValue, redirectWarning, secretNameReason } from '../../shared/extra-env-policy';
import { argumentsRefusal, IPC_SCHEMAS } from '../../shared/ipc-schemas';
import { SettingsStore } from '../../electron/core/settings';
import { isGatehouseError } from '../../electron/core/errors';
import { runCliInProcess } from '../support/cli-in-process';

// Built at run time so that no key-shaped literal sits in the repository.
const fakeKey = () => 'sk-' + 'a1B2c3D4e5F6g7H8i9J0'.split('').reverse().join('') + 'kLmN';
const fakeJwt = () => ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'].join('.');
const randomToken = () => Buffer.from(Array.from({ length: 30 }, (_, i) => (i * 73 + 41) % 256)).toString('base64');

describe('extraEnv names', () => {
  it('refuses names that say they hold a credential', () => {
    for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'UI_PASSWORD', 'SLACK_SECRET', 'my_api_key', 'HF_TOKEN', 'LITELLM_MASTER_KEY', 'DATABASE_URL']) {
      assert.ok(secretNameReason(name), name);
    }
  });

  it('allows a switch or a small number under such a name: it cannot be a credential', () => {
    const flags: [string, string][] = [['STANDIN_LEAK_KEY', '1'], ['DISABLE_KEY_CHECK', 'true'], ['MAX_TOKEN_AGE', '30'], ['OPENAI_API_KEY', '']];
    for (const [name, value] of flags) {
      assert.equal(secretNameReason(name, value), null, `${name}=${value}`);
    }
    assert.ok(secretNameReason('OPENAI_API_KEY', 'abc123'), 'any other text is refused');
    assert.ok(secretNameReason('LITELLM_MASTER_KEY', '1'), 'the keychain-held names always');
  });

  it("allows the seed's settings and names where the word is only part of another", () => {
    for (const name of ['STORE_MODEL_IN_DB', 'LITELLM_LOG', 'JSON_LOGS', 'NUM_WORKERS', 'SSL_KEYFILE_PATH', 'SSL_CERTFILE_PATH', 'KEYCLOAK_URL', 'MAX_TOKENS_PER_MINUTE', 'TOKENIZERS_PARALLELISM', 'GOOGLE_APPLICATION_CREDENTIALS_FILE']) {
      assert.equal(secretNameReason(name), null, name);
    }
  });
});

describe('extraEnv values', () => {
  it('refuses values shaped like keys, tokens, JWTs, private keys and URLs with a password', () => {
    for (const value of [fakeKey(), `Bearer ${fakeKey()}`, fakeJwt(), '-----BEGIN OPENSSH PRIVATE KEY-----', 'redis://default:hunter2hunter2@cache:6379', randomToken(), 'ghp_' + 'x1'.repeat(18)]) {
      assert.ok(isSecretShapedValue(value), value.slice(0, 12));
    }
  });

  it('allows ordinary values: levels, booleans, URLs without a password, digests and ids', () => {
    for (const value of ['True', 'INFO', 'DEBUG', '4', 'http://proxy.internal:3128', 'https://api.example.com/v1', '/app/config/tls.key', 'sha256:' + 'ab12'.repeat(16), '123e4567-e89b-12d3-a456-426614174000', 'claude-3-5-sonnet-20241022']) {
      assert.equal(isSecretShapedValue(value), false, value);
    }
  });
});

describe('redirecting variables', () => {
  it('warn, and say what they do', () => {
    assert.match(redirectWarning('OPENAI_BASE_URL') ?? '', /sends the gateway's requests/);
    assert.match(redirectWarning('HTTPS_PROXY') ?? '', /sends the gateway's requests/);
    assert.match(redirectWarning('https_proxy') ?? '', /sends the gateway's requests/);
    for (const name of ['LD_PRELOAD', 'NODE_OPTIONS', 'PYTHONPATH']) assert.match(redirectWarning(name) ?? '', /loads code into the gateway/, name);
    assert.equal(redirectWarning('LITELLM_LOG'), null);
    assert.deepEqual(extraEnvWarnings({ LITELLM_LOG: 'INFO', HTTP_PROXY: 'http://p:3128' }).length, 1);
  });
});

describe('where settings come from', () => {
  let home: string;
  before(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-extra-env-'));
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  it('the store refuses a secret value under an innocent name, naming the field and not the value', async () => {
    const store = new SettingsStore({ home, env: {} });
    const value = fakeKey();
    await assert.rejects(store.update({ extraEnv: { ROUTER_SETTING: value } }), (err: unknown) => {
      assert.ok(isGatehouseError(err, 'SETTINGS_INVALID'));
      assert.match(err.message, /"extraEnv\.ROUTER_SETTING".*shaped like a secret/);
      assert.match(err.fix ?? '', /keychain/);
      assert.ok(!err.message.includes(value) && !(err.fix ?? '').includes(value));
      return true;
    });
    assert.equal(fs.existsSync(path.join(home, 'settings.json')), false, 'nothing written');
    await store.update({ extraEnv: { STORE_MODEL_IN_DB: 'True', LITELLM_LOG: 'INFO', HTTPS_PROXY: 'http://proxy:3128' } });
    assert.deepEqual((await store.get()).extraEnv, { STORE_MODEL_IN_DB: 'True', LITELLM_LOG: 'INFO', HTTPS_PROXY: 'http://proxy:3128' });
  });

  it("the window's settings:update is refused by the same rule before the core sees it", () => {
    const parsed = IPC_SCHEMAS['settings:update'].safeParse([{ extraEnv: { OPENAI_API_KEY: 'x' } }]);
    assert.equal(parsed.success, false);
    const refusal = argumentsRefusal('settings:update', parsed.error!);
    assert.equal(refusal.code, 'SETTINGS_INVALID');
    assert.match(refusal.message, /"extraEnv\.OPENAI_API_KEY".*named like a secret/);
    assert.match(refusal.fix ?? '', /gatehouse key import/);
  });

  it('`gatehouse settings set` refuses with the keychain commands as the fix, and warns on a proxy', async () => {
    const env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-test-extra-env-${process.pid}`, DOCKER_HOST: 'unix:///nonexistent.sock' };
    const value = fakeKey();
    const refused = await runCliInProcess(['settings', 'set', 'extraEnv.OPENAI_API_KEY', value], env);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /Invalid setting "extraEnv\.OPENAI_API_KEY"[\s\S]*named like a secret[\s\S]*gatehouse key import --env-file FILE --scrub[\s\S]*gatehouse claude set-token/);
    assert.ok(!refused.stderr.includes(value) && !refused.stdout.includes(value), 'the value is not echoed');
    const proxy = await runCliInProcess(['settings', 'set', 'extraEnv.HTTPS_PROXY', 'http://proxy.internal:3128'], env);
    assert.equal(proxy.code, 0, proxy.stderr);
    assert.match(proxy.stderr, /Warning: extraEnv\.HTTPS_PROXY sends the gateway's requests/);
    const seed = await runCliInProcess(['settings', 'set', 'extraEnv.STORE_MODEL_IN_DB', 'True'], env);
    assert.equal(seed.code, 0, seed.stderr);
    assert.equal(seed.stderr, '');
  });
});
