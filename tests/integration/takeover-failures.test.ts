/**
 * `gatehouse adopt --yes` failing after the keychain and settings were written, provoked for real
 * against a seed-shaped compose stack (tests/fixtures/seed-compose, Debian's docker-compose): a
 * paused compose database whose identity cannot be read before the stop; and, as the stand-in
 * gateway boots in 12 s, in the window between the compose containers stopping and the
 * verification, the test changes the world the way a user or another program could (the Claude login
 * deleted from its volume; a table created in the database Gatehouse started). Each time the
 * compose stack must run again with the same key on the same port and the same data, Gatehouse's
 * new containers gone, keychain and settings exactly as before, no volume deleted, and the error
 * naming the failed step. Last, a scrub that cannot write the .env (made immutable) after a
 * verified takeover: the takeover stands and the warning says the .env was not scrubbed.
 */
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { tarArchive } from '../../electron/core/tls/container-files';
import { COMPOSE_LABELS } from '../../electron/core/takeover/detect';
import { docker, rand, removeStackObjects, runCli, stackContainers, type CliResult } from './stack-helpers';
import { dbGet, request } from './database-helpers';
import { seedCompose, type SeedCompose } from './takeover-helpers';

const stack = `t-takeover-fail-${rand()}`;
const service = `gatehouse-test-${stack}`;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-takeover-fail-home-'));
const store = new KeytarSecretStore(service);
const env: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_STACK: stack, GATEHOUSE_KEYCHAIN_SERVICE: service };
const settingsFile = path.join(home, 'settings.json');
const BOOT_MS = 12_000;
const CREDENTIALS = '{"claudeAiOauth":{"accessToken":"x"}}';
let seed: SeedCompose;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

async function composeGateway() {
  return (await seed.containers()).find((c) => c.Labels[COMPOSE_LABELS.service] === 'litellm');
}

/** Runs a throwaway container on a compose volume (the stand-in PostgreSQL image has a shell). */
async function onVolume(volume: string, script: string): Promise<void> {
  const c = await docker.createContainer({ Image: 'gatehouse-test/postgres:15', Entrypoint: ['sh', '-c', script], HostConfig: { Binds: [`${volume}:/v`] } });
  try {
    await c.start();
    const r = await c.wait();
    assert.equal(r.StatusCode, 0, `${script} on ${volume}`);
  } finally {
    await c.remove({ force: true });
  }
}

async function credentialsPresent(): Promise<boolean> {
  try {
    await onVolume(`${seed.project}_claude-auth`, 'test -f /v/.credentials.json');
    return true;
  } catch {
    return false;
  }
}

/** The state a failed takeover must leave: the compose stack as it was, Gatehouse's side untouched. */
async function assertRestored(r: CliResult, settingsBefore: string, failedStep: string, why: RegExp): Promise<void> {
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /\(error code TAKEOVER_FAILED\)/);
  assert.ok(r.stderr.includes(`failed at "${failedStep}"`), r.stderr);
  assert.match(r.stderr, why);
  assert.match(r.stderr, /runs again as before/);
  for (const secret of [seed.masterKey, seed.pgPassword, seed.claudeToken]) assert.ok(!(r.stdout + r.stderr).includes(secret), 'no secret in the output');
  const cs = await seed.containers();
  assert.equal(cs.length, 2);
  assert.ok(cs.every((c) => c.State === 'running'), JSON.stringify(cs.map((c) => [c.Names, c.State])));
  await seed.waitForKey(30_000);
  assert.equal((await request(seed.port, 'GET', '/v1/models', null)).status, 401);
  assert.equal(await dbGet(seed.port, seed.masterKey, 'seed-row'), 'kept');
  assert.deepEqual(await stackContainers(stack), [], 'Gatehouse\'s new containers are gone');
  for (const account of Object.values(ACCOUNTS)) assert.equal(await store.get(account), null, account);
  assert.equal(fs.readFileSync(settingsFile, 'utf8'), settingsBefore);
  for (const v of seed.volumes) assert.ok(await docker.getVolume(v).inspect(), `volume ${v} kept`);
  const text = fs.readFileSync(path.join(seed.dir, '.env'), 'utf8');
  assert.ok(text.includes(`LITELLM_MASTER_KEY=${seed.masterKey}`), 'the .env is untouched');
}

before(async () => {
  seed = await seedCompose(BOOT_MS);
});

after(async () => {
  await removeStackObjects(stack);
  await seed?.cleanup();
  for (const account of Object.values(ACCOUNTS)) await store.delete(account).catch(() => false);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('gatehouse adopt --yes: its failure points, provoked for real', { timeout: 900_000 }, () => {
  test('the compose database is paused, so its identity cannot be read: fails before any container is stopped, keychain and settings put back', async () => {
    fs.writeFileSync(settingsFile, JSON.stringify({ startTimeoutSeconds: 120 }, null, 2));
    const settingsBefore = fs.readFileSync(settingsFile, 'utf8');
    const gw = (await composeGateway())!;
    const startedAt = (await docker.getContainer(gw.Id).inspect()).State.StartedAt;
    const db = (await seed.containers()).find((c) => c.Labels[COMPOSE_LABELS.service] === 'db')!;
    await docker.getContainer(db.Id).pause();
    let r: CliResult;
    try {
      r = await runCli(['adopt', seed.project, '--yes', '--json'], env, { timeoutMs: 300_000 });
    } finally {
      await docker.getContainer(db.Id).unpause();
    }
    await assertRestored(r, settingsBefore, 'read the database before the takeover', /psql could not run in the database container \S+: it is paused/);
    assert.equal((await docker.getContainer(gw.Id).inspect()).State.StartedAt, startedAt, 'the compose gateway was never stopped');
  });

  test('the Claude login is deleted from its volume after the compose stack stopped: fails at the verification, compose restored', async () => {
    const settingsBefore = fs.readFileSync(settingsFile, 'utf8');
    const gwId = (await composeGateway())!.Id;
    const adopting = runCli(['adopt', seed.project, '--yes', '--scrub', '--json'], env, { timeoutMs: 300_000 });
    // The takeover stopped the compose gateway; Gatehouse's gateway is still booting.
    await until('the compose gateway stopped', 120_000, async () => ((await docker.getContainer(gwId).inspect()).State.Running ? undefined : true));
    await onVolume(`${seed.project}_claude-auth`, 'rm /v/.credentials.json');
    const r = await adopting;
    await assertRestored(r, settingsBefore, 'verify the new gateway', /the Claude login \(\/home\/claude\/\.claude\/\.credentials\.json\) is not in the new gateway container/);
    // Put the login back as the seed had it, for the next step.
    const gw = await composeGateway();
    await docker.getContainer(gw!.Id).putArchive(tarArchive([{ name: '.credentials.json', content: CREDENTIALS, mode: 0o600, uid: 1000, gid: 1000 }]), { path: '/home/claude/.claude' });
    assert.equal(await credentialsPresent(), true);
  });

  test('the database Gatehouse started holds other data than before the stop: fails at the verification, compose restored', async () => {
    const settingsBefore = fs.readFileSync(settingsFile, 'utf8');
    const adopting = runCli(['adopt', seed.project, '--yes', '--json'], env, { timeoutMs: 300_000 });
    // Gatehouse's database runs on the compose volume while its gateway boots: another program
    // creates a table there before the verification reads the database's identity again.
    const table = `takeover_probe_${rand()}`;
    await until('a table created in Gatehouse\'s database', 120_000, async () => {
      const db = (await stackContainers(stack)).find((c) => c.Labels['io.gatehouse.role'] === 'database' && c.State === 'running');
      if (!db) return undefined;
      const exec = await docker.getContainer(db.Id).exec({ Cmd: ['psql', '-U', 'llmproxy', '-d', 'litellm', '-c', `CREATE TABLE ${table} (x int)`], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({});
      stream.resume();
      await new Promise((res) => stream.on('end', res));
      return (await exec.inspect()).ExitCode === 0 ? true : undefined;
    });
    const r = await adopting;
    await assertRestored(r, settingsBefore, 'verify the new gateway', /the database Gatehouse started is not the one the compose stack used/);
    assert.equal(await credentialsPresent(), true, 'the Claude login volume is untouched');
  });

  test('the settings cannot be saved (settings.json immutable): fails after the keychain was written, the keychain put back, nothing stopped', async () => {
    const settingsBefore = fs.readFileSync(settingsFile, 'utf8');
    const gw = (await composeGateway())!;
    const startedAt = (await docker.getContainer(gw.Id).inspect()).State.StartedAt;
    execFileSync('chattr', ['+i', settingsFile]);
    let r: CliResult;
    try {
      r = await runCli(['adopt', seed.project, '--yes', '--json'], env, { timeoutMs: 300_000 });
    } finally {
      execFileSync('chattr', ['-i', settingsFile]);
    }
    await assertRestored(r, settingsBefore, 'save the settings', /EPERM|not permitted/);
    assert.equal((await docker.getContainer(gw.Id).inspect()).State.StartedAt, startedAt, 'the compose gateway was never stopped');
  });

  test('--scrub on an immutable .env: the takeover stands (same key, port, data), the .env is left whole and the warning says why', async () => {
    const envFile = path.join(seed.dir, '.env');
    const envBefore = fs.readFileSync(envFile, 'utf8');
    // Immutable even for root: the scrub's write fails as a read-only file system would make it.
    execFileSync('chattr', ['+i', envFile]);
    let r: CliResult;
    try {
      r = await runCli(['adopt', seed.project, '--yes', '--scrub', '--json'], env, { timeoutMs: 300_000 });
    } finally {
      execFileSync('chattr', ['-i', envFile]);
    }
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.applied, true);
    assert.equal(result.scrubbed, false);
    assert.ok(result.warnings.some((w: string) => w.startsWith('The takeover is done, but the .env was not scrubbed: ')), result.warnings.join('\n'));
    assert.equal(fs.readFileSync(envFile, 'utf8'), envBefore);
    for (const secret of [seed.masterKey, seed.pgPassword, seed.claudeToken]) assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
    assert.equal((await request(seed.port, 'GET', '/v1/models', seed.masterKey)).status, 200);
    assert.equal((await request(seed.port, 'GET', '/v1/models', null)).status, 401);
    assert.equal(await dbGet(seed.port, seed.masterKey, 'seed-row'), 'kept');
    assert.equal(await store.get(ACCOUNTS.masterKey), seed.masterKey);
    assert.deepEqual(await seed.containers(), []);
    for (const v of seed.volumes) assert.ok(await docker.getVolume(v).inspect(), `volume ${v} kept`);
  });
});
