import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Redactor, type KnownSecret } from '../../electron/core/logs/redactor';

function secrets() {
  return {
    master: 'sk-' + crypto.randomBytes(32).toString('hex'),
    pending: 'sk-' + crypto.randomBytes(32).toString('hex'),
    claude: 'sk-ant-oat01-' + crypto.randomBytes(40).toString('base64url'),
    salt: crypto.randomBytes(32).toString('hex'),
    db: crypto.randomBytes(16).toString('base64url'),
  };
}

function known(s: ReturnType<typeof secrets>): KnownSecret[] {
  return [
    { kind: 'master-key', value: s.master },
    { kind: 'pending-master-key', value: s.pending },
    { kind: 'claude-token', value: s.claude },
    { kind: 'salt-key', value: s.salt },
    { kind: 'database-password', value: s.db },
  ];
}

test('the exact keychain secrets are replaced wherever they appear, and named', () => {
  const s = secrets();
  const r = new Redactor(known(s));
  const cases: [string, string][] = [
    [`cache settings: {'type': 'local', 'master_key': '${s.master}'}`, 'master-key'],
    [`new key ${s.pending}.`, 'pending-master-key'],
    [`token=${s.claude}`, 'claude-token'],
    [`salt is ${s.salt} (do not print)`, 'salt-key'],
    [`connecting with password ${s.db}`, 'database-password'],
    [`glued:${s.master}${s.salt}`, 'master-key'],
  ];
  for (const [line, kind] of cases) {
    const out = r.redact(line);
    for (const v of Object.values(s)) assert.ok(!out.includes(v), `${kind}: ${out}`);
    assert.ok(out.includes(`[REDACTED:${kind}]`), out);
    assert.equal(r.lastHadExact, true);
    assert.ok(r.lastKinds.length >= 1);
  }
});

test('secret-shaped text is replaced even when Gatehouse does not know it', () => {
  const r = new Redactor();
  const cases: [string, string, string][] = [
    ['key sk-1234 is the example', 'sk-1234', 'sk-key'],
    ['Authorization: Bearer abcdef123456.xyz', 'abcdef123456.xyz', 'bearer'],
    ['headers={"authorization": "bearer eyJraWQ.foo"}', 'eyJraWQ.foo', 'bearer'],
    ['anthropic sk-ant-api03-AAAAbbbbCCCCdddd_eeee', 'sk-ant-api03-AAAAbbbbCCCCdddd_eeee', 'anthropic-token'],
    ['litellm.completion(api_key=abc123secretvalue, model=x)', 'abc123secretvalue', 'key-value'],
    ["{'master_key': 'hunter22hunter'}", 'hunter22hunter', 'key-value'],
    ['LITELLM_MASTER_KEY=plainvalue99', 'plainvalue99', 'key-value'],
    ['"password": "p4ssw0rd!"', 'p4ssw0rd!', 'key-value'],
    ['DATABASE_URL=postgresql://litellm:s3cretpw@db:5432/litellm', 's3cretpw', 'url-password'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'eyJhbGciOiJIUzI1NiJ9', 'jwt'],
  ];
  for (const [line, secret, kind] of cases) {
    const out = r.redact(line);
    assert.ok(!out.includes(secret), `${kind}: ${out}`);
    assert.ok(r.lastKinds.includes(kind as never), `${kind} not in ${r.lastKinds.join(',')} for ${out}`);
    assert.equal(r.lastHadExact, false);
  }
});

test('ordinary text, placeholders and already-masked values are left alone and not counted', () => {
  const r = new Redactor();
  const lines = [
    'INFO:     172.18.0.1:52044 - "GET /health/liveliness HTTP/1.1" 200 OK',
    'task-force disk-usage risk-free',
    'api_key: None',
    "'master_key': 'os.environ/LITELLM_MASTER_KEY'",
    'Received API Key = sk-...abcd, Key Hash (Token) =9f86d081884c7d659a2feaa0c55ad015',
    'usage: prompt_tokens=12 completion_tokens=3 total_tokens=15',
    'password authentication failed for user "litellm"',
    'http://0.0.0.0:4000 (Press CTRL+C to quit)',
  ];
  for (const line of lines) {
    assert.equal(r.redact(line), line);
    assert.deepEqual(r.lastKinds, []);
  }
});

test('counts every replacement; a shape that is a known secret is reported as that secret', () => {
  const s = secrets();
  const r = new Redactor(known(s));
  const out = r.redact(`a=${s.master} b: Bearer ${s.master} c sk-99999999`);
  assert.ok(!out.includes(s.master));
  assert.deepEqual(r.lastKinds, ['master-key', 'master-key', 'sk-key']);
});

test('setSecrets refreshes the exact list (rotation): the new key is named, the old one still caught by shape', () => {
  const s = secrets();
  const r = new Redactor(known(s));
  const next = 'sk-' + crypto.randomBytes(32).toString('hex');
  r.setSecrets([{ kind: 'master-key', value: next }]);
  assert.equal(r.redact(`k=${next}`), 'k=[REDACTED:master-key]');
  assert.equal(r.redact(`old ${s.master}`), 'old [REDACTED:sk-key]');
  // a salt key has no shape: only the exact list knows it
  assert.equal(r.redact(`salt ${s.salt}`), `salt ${s.salt}`);
  r.setSecrets(known(s));
  assert.equal(r.redact(`salt ${s.salt}`), 'salt [REDACTED:salt-key]');
});

test('secrets with regex metacharacters are matched literally', () => {
  const r = new Redactor([{ kind: 'database-password', value: 'a+b(c)*[d]$' }]);
  assert.equal(r.redact('pw a+b(c)*[d]$ end'), 'pw [REDACTED:database-password] end');
  assert.equal(r.redact('pw aab(c)*[d]$ end'), 'pw aab(c)*[d]$ end');
});
