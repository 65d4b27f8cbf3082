// HTTPS in swarm mode, without an engine: the certificate and key become two Swarm secrets named
// by their fingerprints (reused when present), the service spec mounts them as the image user's
// 0400 files and names only their paths in its Env, the image's plain-HTTP health check is off,
// and a new certificate changes the spec's fingerprint (an update). The real engine's side is
// tests/integration/swarm-tls.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Settings } from '../../shared/api';
import { DEFAULT_SETTINGS } from '../../electron/core/settings';
import type { DockerEngine, ImageDetails, SecretSummary, SwarmEngine } from '../../electron/core/engine/types';
import { LABELS } from '../../electron/core/engine/labels';
import { planStack } from '../../electron/core/services/gateway-plan';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { SwarmGateway } from '../../electron/core/swarm/gateway-service';
import type { SwarmSecretRef } from '../../electron/core/swarm/secrets';
import { ensureTlsSecrets, tlsServiceEnv } from '../../electron/core/swarm/tls-secrets';
import { CERT_ENV, tlsEnv } from '../../electron/core/tls/container-files';
import { certificateBind } from '../../electron/core/tls/gateway-tls';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRET\n-----END PRIVATE KEY-----\n';
const SHA = 'AA:BB:CC';

/** Docker's secret create on the points relied on: a new ID per create, the name and labels kept. */
function secretEngine(): { engine: DockerEngine & SwarmEngine; created: { name: string; value: string; labels: Record<string, string> }[] } {
  const created: { name: string; value: string; labels: Record<string, string> }[] = [];
  const engine = {
    async createSecret(name: string, value: string, labels: Record<string, string>) {
      if (created.some((c) => c.name === name)) throw new Error(`409 secret ${name} exists`);
      created.push({ name, value, labels });
      return `id-${created.length}`;
    },
  } as unknown as DockerEngine & SwarmEngine;
  return { engine, created };
}

const source = { filesFor: async (sha: string) => (sha === SHA ? { certPem: CERT, keyPem: KEY } : Promise.reject(new Error('other certificate'))) };

test('ensureTlsSecrets: <stack>_tls_cert_<fp> and <stack>_tls_key_<fp> with the gateway labels; reused when present; none without HTTPS', async () => {
  const { engine, created } = secretEngine();
  const env = { LITELLM_MASTER_KEY: 'sk-x', ...tlsEnv(SHA) };
  const refs = await ensureTlsSecrets(engine, 'gh', env, [], source);
  assert.deepEqual(refs.map((r) => r.name), [`gh_tls_cert_${fingerprint(CERT).slice(7)}`, `gh_tls_key_${fingerprint(KEY).slice(7)}`]);
  assert.equal(created.length, 2);
  for (const c of created) {
    assert.equal(c.labels[LABELS.stack], 'gh');
    assert.equal(c.labels[LABELS.role], 'gateway');
  }
  const have: SecretSummary[] = created.map((c, i) => ({ ID: `id-${i + 1}`, Spec: { Name: c.name, Labels: c.labels } }));
  const again = await ensureTlsSecrets(engine, 'gh', env, have, source);
  assert.deepEqual(again, refs, 'the same certificate reuses its secrets (immutable, same name = same content)');
  assert.equal(created.length, 2);
  assert.deepEqual(await ensureTlsSecrets(engine, 'gh', { LITELLM_MASTER_KEY: 'sk-x' }, [], source), []);
  await assert.rejects(ensureTlsSecrets(engine, 'gh', env, [], undefined), /INTERNAL|cannot hand it a certificate/);
});

function spec(secrets: SwarmSecretRef[], secretEnv: Record<string, string>) {
  const settings: Settings = { ...DEFAULT_SETTINGS, target: 'swarm', publishMode: 'host', tls: { mode: 'local', certFile: null, keyFile: null } };
  const image = { Id: 'sha256:1', Config: { Entrypoint: ['/usr/bin/node', '/app/server.js'], Healthcheck: { Test: ['CMD', '/usr/bin/node', '/app/healthcheck.js'] } } } as unknown as ImageDetails;
  return new SwarmGateway({} as DockerEngine, async () => settings).serviceSpec(planStack(settings), settings, image, secrets, secretEnv, 1);
}

test('serviceSpec with HTTPS: secret paths in the Env, the files 0400 for uid/gid 1000, no PEM anywhere, the image\'s HTTP check off', () => {
  const refs: SwarmSecretRef[] = [
    { envName: 'LITELLM_MASTER_KEY', name: 'gh_litellm_master_key_abc', id: 's1' },
    { envName: 'TLS_CERT', name: 'gh_tls_cert_111', id: 's2' },
    { envName: 'TLS_KEY', name: 'gh_tls_key_222', id: 's3' },
  ];
  const secretEnv = { LITELLM_MASTER_KEY: 'sk-the-master-key', ...tlsEnv(SHA) };
  const s = spec(refs, secretEnv);
  const text = JSON.stringify(s);
  assert.ok(!text.includes('PRIVATE KEY') && !text.includes('BEGIN CERTIFICATE') && !text.includes('sk-the-master-key'));
  const cs = (s.TaskTemplate as { ContainerSpec: { Env: string[]; Secrets: { SecretName: string; File: { Name: string; UID: string; GID: string; Mode: number } }[]; Healthcheck?: { Test: string[] } } }).ContainerSpec;
  assert.ok(cs.Env.includes('SSL_CERTFILE_PATH=/run/secrets/gh_tls_cert_111'));
  assert.ok(cs.Env.includes('SSL_KEYFILE_PATH=/run/secrets/gh_tls_key_222'));
  assert.ok(cs.Env.includes(`${CERT_ENV}=${SHA}`));
  assert.ok(!cs.Env.some((e) => e.includes('/etc/gatehouse-tls')), 'no container-mode path');
  assert.deepEqual(cs.Secrets.find((m) => m.SecretName === 'gh_tls_key_222')?.File, { Name: 'gh_tls_key_222', UID: '1000', GID: '1000', Mode: 0o400 });
  assert.deepEqual(cs.Secrets.find((m) => m.SecretName === 'gh_tls_cert_111')?.File, { Name: 'gh_tls_cert_111', UID: '1000', GID: '1000', Mode: 0o400 });
  assert.deepEqual(cs.Secrets.find((m) => m.SecretName === 'gh_litellm_master_key_abc')?.File, { Name: 'LITELLM_MASTER_KEY', UID: '0', GID: '0', Mode: 0o444 });
  assert.deepEqual(cs.Healthcheck, { Test: ['NONE'] });

  // A new certificate is a new pair of secrets: the spec's fingerprint changes, so the service is updated.
  const renewed = spec([refs[0]!, { envName: 'TLS_CERT', name: 'gh_tls_cert_333', id: 's4' }, { envName: 'TLS_KEY', name: 'gh_tls_key_444', id: 's5' }], { ...secretEnv, [CERT_ENV]: 'DD:EE' });
  assert.notEqual(renewed.Labels?.[LABELS.envFingerprint], s.Labels?.[LABELS.envFingerprint]);

  // Without HTTPS: the image's check, reading the key from its secret file; no SSL_* variable.
  const plain = spec([refs[0]!], { LITELLM_MASTER_KEY: 'sk-the-master-key' });
  const pcs = (plain.TaskTemplate as { ContainerSpec: { Env: string[]; Healthcheck?: { Test: string[] } } }).ContainerSpec;
  assert.ok(!pcs.Env.some((e) => e.startsWith('SSL_')));
  assert.match(pcs.Healthcheck?.Test.join(' ') ?? '', /\/run\/secrets\/LITELLM_MASTER_KEY/);
  assert.deepEqual(tlsServiceEnv([refs[0]!], secretEnv), {}, 'no paths without both secrets');
});

test('certificate names in swarm mode follow every interface (Swarm ignores bindAddress); in container mode the bind address', () => {
  assert.equal(certificateBind({ target: 'swarm', bindAddress: '127.0.0.1' }), '0.0.0.0');
  assert.equal(certificateBind({ target: 'container', bindAddress: '127.0.0.1' }), '127.0.0.1');
  assert.equal(certificateBind({ target: 'container', bindAddress: '192.168.1.5' }), '192.168.1.5');
});

test('ensureSecrets: the HTTPS variables are carried; any other unknown variable is refused clearly', async () => {
  const { engine } = secretEngine();
  const full = Object.assign(engine, { listSecrets: async () => [], swarmMembership: async () => ({ controlAvailable: true }) });
  const settings: Settings = { ...DEFAULT_SETTINGS, target: 'swarm' };
  const gw = new SwarmGateway(full, async () => settings, undefined, { filesFor: async (_s, sha) => source.filesFor(sha) });
  const refs = await gw.ensureSecrets(planStack(settings), { LITELLM_MASTER_KEY: 'sk-abcdefgh', ...tlsEnv(SHA) });
  assert.deepEqual(refs.map((r) => r.envName), ['LITELLM_MASTER_KEY', 'TLS_CERT', 'TLS_KEY']);
  await assert.rejects(gw.ensureSecrets(planStack(settings), { LITELLM_MASTER_KEY: 'sk-abcdefgh', SOMETHING_NEW: 'x' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'SETTINGS_INVALID');
    assert.match(err.message, /does not carry SOMETHING_NEW/);
    return true;
  });
});
