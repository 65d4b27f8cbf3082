// Security checks 4, 5, 6, 8, 10, 11 (volume) and 12 against real containers of the stand-in
// image, created with the stack's labels as the stack module creates them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateMasterKey } from '../../electron/core/secrets/master-key';
import type { Gatehouse } from '../../electron/core/gatehouse';
import type { SecurityReport } from '../../shared/api';
import { SecurityWorld, assertNoSecret, byId, docker } from './security-fixture';

const w = new SecurityWorld();
let key = '';
after(() => w.cleanup());

/** A core for its own stack, sharing this file's keychain key. */
async function scenario(name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<{ core: Gatehouse; stack: string }> {
  const stack = w.stack(name);
  return { core: await w.core(stack, extraEnv), stack };
}

async function run(core: Gatehouse): Promise<SecurityReport> {
  const r = await core.security.run();
  assertNoSecret(r, [key]);
  return r;
}

let good: SecurityReport;
before(async () => {
  const { core, stack } = await scenario('good');
  key = await core.keys.ensure();
  await w.gateway(stack, { key, credentialsVolume: true });
  good = await run(core);
});

test('a well-run gateway: checks 4, 5, 6, 8 and 12 pass on the real container', () => {
  for (const id of ['key-drift', 'barrier', 'exposure', 'log-secrets', 'container-hardening']) {
    const c = byId(good, id);
    assert.equal(c.status, 'pass', `${id}: ${c.finding}`);
  }
  assert.match(byId(good, 'barrier').finding, /refused a request without a key \(HTTP 401\) and accepted the keychain's key \(HTTP 200\)/);
  assert.match(byId(good, 'container-hardening').finding, /runs as user claude/);
  assert.match(byId(good, 'exposure').finding, /127\.0\.0\.1:\d+ only/);
  assert.match(byId(good, 'log-secrets').finding, /No secret in the gateway's last \d+ log lines/);
});

test('4: a running gateway with a key other than the keychain\'s fails with stack:restart', async () => {
  const { core, stack } = await scenario('drift');
  await w.gateway(stack, { key: generateMasterKey() });
  const c = byId(await run(core), 'key-drift');
  assert.equal(c.status, 'fail');
  assert.equal(c.action, 'stack:restart');
  assert.match(c.finding, /runs with key sha256:[0-9a-f]{12}, but the keychain holds sha256:[0-9a-f]{12}/);
  assert.match(c.fix ?? '', /Restart with the keychain key/);
});

test('5: an open gateway (answers without a key) fails', async () => {
  const { core, stack } = await scenario('open');
  await w.gateway(stack, { key, env: { STANDIN_OPEN: '1' } });
  const c = byId(await run(core), 'barrier');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /answered HTTP 200 to a request without a key/);
});

test('6: published on all interfaces warns and lists the URLs other machines can use', async () => {
  const { core, stack } = await scenario('exposed');
  const { port } = await w.gateway(stack, { key, bind: '0.0.0.0' });
  const c = byId(await run(core), 'exposure');
  assert.equal(c.status, 'warn');
  assert.equal(c.action, 'settings:bind-loopback');
  assert.match(c.finding, /all interfaces/);
  const os = await import('node:os');
  const v4 = Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4');
  for (const i of v4) assert.ok(c.finding.includes(`http://${i!.address}:${port}`), `lists ${i!.address}`);
});

test('8: a gateway that prints the master key in its logs fails', async () => {
  const { core, stack } = await scenario('leak');
  await w.gateway(stack, { key, env: { STANDIN_LEAK_KEY: '1' } });
  const c = byId(await run(core), 'log-secrets');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /printed a secret in 1 log line/);
  assert.equal(c.action, 'key:rotate');
});

test('8: a secret the logs engine redacted from an earlier container fails until the key changes', async () => {
  const { core, stack } = await scenario('engine');
  const leaky = await w.gateway(stack, { key, env: { STANDIN_LEAK_KEY: '1' } });
  // Wait (bounded) for the leak line, then let the real logs engine read and redact it.
  const end = Date.now() + 10_000;
  while ((await core.logs.sync()) === 0 || (await core.logs.redactionStats()).exactLines === 0) {
    if (Date.now() > end) throw new Error('the logs engine saw no leaked line');
    await new Promise((r) => setTimeout(r, 100));
  }
  // The leaky container is gone; a clean one runs. Docker no longer has the line, the engine does.
  await leaky.container.remove({ force: true });
  await w.gateway(stack, { key });
  const c = byId(await run(core), 'log-secrets');
  assert.equal(c.status, 'fail', c.finding);
  assert.match(c.finding, /redacted a keychain secret from 1 log line/);
  // After a rotation (recorded by the key manager) the printed key is worthless.
  await new Promise((r) => setTimeout(r, 5));
  await core.keys.recordKey(key, 'rotated');
  assert.equal(byId(await run(core), 'log-secrets').status, 'pass');
});

test('12: a privileged container with the Docker socket mounted fails; one on the host network fails', async () => {
  const { core, stack } = await scenario('priv');
  await w.gateway(stack, { key, hostConfig: { Privileged: true, Binds: ['/var/run/docker.sock:/var/run/docker.sock:ro'] } });
  const c = byId(await run(core), 'container-hardening');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /runs privileged; it mounts the engine socket \(\/var\/run\/docker\.sock\)/);
  // Host network: created, not started (it would listen on the host's port 4000).
  const h = await scenario('hostnet');
  await w.gateway(h.stack, { key, start: false, hostConfig: { NetworkMode: 'host', PortBindings: {} } });
  const hc = byId(await run(h.core), 'container-hardening');
  assert.equal(hc.status, 'fail');
  assert.match(hc.finding, /shares the host network/);
});

test('10: a tag-only image warns and shows what runs; an image pinned by digest passes', async () => {
  assert.equal(byId(good, 'image-pin').status, 'warn');
  // Push the stand-in to the local registry to get a real registry digest, then run it by digest.
  const repo = `127.0.0.1:5000/gatehouse-test/security-${w.id}`;
  await docker.getImage('gatehouse-test/litellm-standin:plain').tag({ repo, tag: 'v1' });
  try {
    await pushAndRunPinned(repo);
  } finally {
    // Only names are removed: the layers are the stand-in's own.
    for (const img of await docker.listImages({ filters: { reference: [repo] } })) {
      for (const ref of [...(img.RepoTags ?? []), ...(img.RepoDigests ?? [])]) await docker.getImage(ref).remove().catch(() => undefined);
    }
  }
});

async function pushAndRunPinned(repo: string): Promise<void> {
  // The engine wants an X-Registry-Auth header even for a registry without auth.
  const stream = await docker.getImage(`${repo}:v1`).push({ authconfig: { serveraddress: '127.0.0.1:5000' } } as object);
  const events = await new Promise<{ aux?: { Digest?: string }; error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => (err ? reject(err) : resolve(out as never))),
  );
  const failed = events.find((e) => e.error);
  assert.equal(failed, undefined, failed?.error);
  const digest = events.find((e) => e.aux?.Digest)?.aux?.Digest;
  assert.match(digest ?? '', /^sha256:[a-f0-9]{64}$/);
  const pinned = `${repo}@${digest}`;
  const { core, stack } = await scenario('pinned', { GATEHOUSE_IMAGE: pinned });
  await w.gateway(stack, { key, image: pinned });
  const c = byId(await run(core), 'image-pin');
  assert.equal(c.status, 'pass', c.finding);
  assert.ok(c.finding.includes(`runs ${digest}`), c.finding);
  await w.cleanupStack(stack);
}

test('11: a Claude login in the credentials volume passes', async () => {
  const { core, stack } = await scenario('vol');
  const { container } = await w.gateway(stack, { key, credentialsVolume: true });
  const before = byId(await run(core), 'claude-login');
  assert.equal(before.status, 'warn');
  // Write a login file into the volume through the container (as `claude login` would).
  const tar = tarOneFile('.credentials.json', '{"claudeAiOauth":{"accessToken":"x"}}', 1000);
  await container.putArchive(tar, { path: '/home/claude/.claude' });
  const c = byId(await run(core), 'claude-login');
  assert.equal(c.status, 'pass', c.finding);
  assert.match(c.finding, new RegExp(`${stack}-claude holds a Claude login`));
});

/** A minimal ustar archive with one file (what Docker's archive API takes). */
function tarOneFile(name: string, content: string, uid: number): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => header.write(s.slice(0, len), off, 'ascii');
  put(name, 0, 100);
  put('0000600\0', 100, 8);
  put(uid.toString(8).padStart(7, '0') + '\0', 108, 8);
  put(uid.toString(8).padStart(7, '0') + '\0', 116, 8);
  put(body.length.toString(8).padStart(11, '0') + '\0', 124, 12);
  put(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of header) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, pad, Buffer.alloc(1024)]);
}
