/**
 * The PostgreSQL service of the seed's stack, for real: the locally built PostgreSQL image, the
 * stand-in gateway reaching it through DATABASE_URL, the password only in the keychain and the
 * containers' environments, data that survives stop/start and a master-key rotation, adoption of
 * an existing volume, and the faults (each a specific error, nothing deleted).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import type { StackStatus } from '../../shared/api';
import { Gatehouse } from '../../electron/core/gatehouse';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { LABELS } from '../../electron/core/engine/labels';
import { docker, readAllFiles, runCli, stackContainers, testStack, type CliResult, type TestStack } from './stack-helpers';
import {
  PG_IMAGE,
  createTestVolume,
  dbGet,
  dbPut,
  execIn,
  makeSeedVolume,
  readiness,
  removeTestObjects,
  settingsWithDatabase,
} from './database-helpers';

const stacks: TestStack[] = [];
async function newStack(area: string): Promise<TestStack> {
  const t = await testStack(area);
  stacks.push(t);
  return t;
}

after(async () => {
  for (const t of stacks) {
    // The stack's containers first: Docker keeps a volume that a container still refers to.
    await t.cleanup();
    await removeTestObjects(t.stack);
  }
});

function errorCode(r: CliResult): string | undefined {
  return /\(error code ([A-Z_]+)\)/.exec(r.stderr)?.[1];
}

async function cli(t: TestStack, args: string[], transcript: string[], timeoutMs = 120_000): Promise<CliResult> {
  const r = await runCli(args, t.env, { timeoutMs });
  transcript.push(r.stdout, r.stderr);
  return r;
}

async function statusJson(t: TestStack, transcript: string[]): Promise<StackStatus> {
  const r = await cli(t, ['status', '--json'], transcript);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StackStatus;
}

async function containerLogs(id: string): Promise<string> {
  const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return raw.toString('utf8');
}

function envOf(info: { Config: { Env?: string[] | null } }): Record<string, string> {
  return Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('database: the seed\'s full stack', () => {
  test('start brings up PostgreSQL first, the gateway reaches it, data survives stop/start and a key rotation, the password is in no file or log', async (ctx) => {
    const t = await newStack('db');
    t.writeSettings(settingsWithDatabase());
    const store = new KeytarSecretStore(t.service);
    const transcript: string[] = [];

    const start = await cli(t, ['start'], transcript);
    assert.equal(start.code, 0, start.stderr);
    ctx.diagnostic(`first start with a new database (initdb included): ${start.ms} ms`);

    const password = await store.get(ACCOUNTS.databasePassword);
    assert.ok(password, 'the first start generated a database password in the keychain');
    assert.match(password, /^[0-9a-f]{64}$/, '256 random bits');
    assert.ok(await store.get(ACCOUNTS.saltKey), 'the salt key exists before the first start with a database');

    // The objects: <stack>-db on the stack network, labelled, no published port, data in <stack>-db-data.
    const containers = await stackContainers(t.stack);
    const dbInfo = containers.find((c) => c.Labels[LABELS.role] === 'database');
    const gwInfo = containers.find((c) => c.Labels[LABELS.role] === 'gateway');
    assert.ok(dbInfo && gwInfo, 'a database and a gateway container');
    assert.deepEqual(dbInfo.Names, [`/${t.stack}-db`]);
    assert.equal(dbInfo.Ports.filter((p) => p.PublicPort).length, 0, 'the database publishes no port');
    const db = await docker.getContainer(dbInfo.Id).inspect();
    assert.equal(db.Config.Image, PG_IMAGE);
    assert.equal(db.HostConfig.NetworkMode, `${t.stack}-net`);
    assert.equal(db.Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')?.Name, `${t.stack}-db-data`);
    assert.equal(envOf(db).POSTGRES_PASSWORD === password, true, 'the database container got the keychain password');
    const gw = await docker.getContainer(gwInfo.Id).inspect();
    const gwEnv = envOf(gw);
    assert.equal(gwEnv.DATABASE_URL === `postgresql://llmproxy:${password}@${t.stack}-db:5432/litellm`, true, 'DATABASE_URL assembled at launch');
    assert.equal(gwEnv.STORE_MODEL_IN_DB, 'True');
    assert.equal(gwEnv.LITELLM_SALT_KEY === (await store.get(ACCOUNTS.saltKey)), true, 'the salt key is injected');
    // The database started first.
    assert.ok(Date.parse(db.State.StartedAt) < Date.parse(gw.State.StartedAt), 'database started before the gateway');

    // Readiness of the gateway includes "database connected"; status shows the database's own state.
    const ready = await readiness(t.port);
    assert.equal(ready.status, 200);
    assert.equal(ready.json.db, 'connected');
    const st = await statusJson(t, transcript);
    assert.equal(st.state, 'healthy');
    assert.ok(st.database);
    assert.equal(st.database.state, 'healthy');
    assert.equal(st.database.connected, true);
    assert.equal(st.database.volume, `${t.stack}-db-data`);
    assert.match((await cli(t, ['status'], transcript)).stdout, /Database:\s+healthy \(volume t-db-\w+-db-data, gateway connected\)/);
    const dbStatus = await cli(t, ['db', 'status'], transcript);
    assert.match(dbStatus.stdout, /State:\s+healthy/);
    assert.match(dbStatus.stdout, /Gateway:\s+database connected/);
    assert.match(dbStatus.stdout, new RegExp(`Volume:\\s+${t.stack}-db-data`));

    // Data written through the gateway's DATABASE_URL…
    let key = (await t.masterKey()) as string;
    await dbPut(t.port, key, 'virtual-key', 'spend=42');
    assert.equal(await dbGet(t.port, key, 'virtual-key'), 'spend=42');

    // …survives stop/start. Stop stops both; the data volume stays.
    const stop = await cli(t, ['stop'], transcript);
    assert.equal(stop.code, 0, stop.stderr);
    const afterStop = await stackContainers(t.stack);
    assert.deepEqual(afterStop.filter((c) => c.State === 'running').map((c) => c.Names[0]), [], 'nothing runs after stop');
    assert.ok((await docker.listVolumes({ filters: { name: [`${t.stack}-db-data`] } })).Volumes?.some((v) => v.Name === `${t.stack}-db-data`), 'the data volume is kept');
    const stopped = await statusJson(t, transcript);
    assert.equal(stopped.database?.state, 'stopped');
    assert.equal(stopped.database?.connected, null);

    const again = await cli(t, ['start'], transcript);
    assert.equal(again.code, 0, again.stderr);
    ctx.diagnostic(`start of the stopped stack (database + gateway): ${again.ms} ms`);
    assert.equal(await dbGet(t.port, key, 'virtual-key'), 'spend=42', 'data survives stop/start');
    assert.equal(await store.get(ACCOUNTS.databasePassword), password, 'the password is not regenerated');

    // …and a rotation of the master key (the gateway is recreated with the same DATABASE_URL).
    const rotate = await cli(t, ['key', 'rotate'], transcript);
    assert.equal(rotate.code, 0, rotate.stderr);
    const rotated = (await t.masterKey()) as string;
    assert.notEqual(rotated, key);
    key = rotated;
    assert.equal(await dbGet(t.port, key, 'virtual-key'), 'spend=42', 'data survives a master-key rotation');
    await dbPut(t.port, key, 'after-rotation', 'ok');
    assert.equal(await dbGet(t.port, key, 'after-rotation'), 'ok');

    // The password is in no file Gatehouse wrote, no output, no log line of either container.
    assert.ok(!readAllFiles(t.home).includes(password), 'password in no file under GATEHOUSE_HOME');
    const logs = await cli(t, ['logs', '--json'], transcript);
    assert.equal(logs.code, 0, logs.stderr);
    assert.ok(!transcript.join('\n').includes(password), 'password in no CLI output (status, logs, start, stop, rotate)');
    for (const c of await stackContainers(t.stack)) {
      assert.ok(!(await containerLogs(c.Id)).includes(password), `password in no log line of ${c.Names[0]}`);
    }
  });

  test('adopting the seed\'s data volume: refused without its password, a wrong password is DATABASE_FAILED with nothing changed, the imported one keeps every row', async () => {
    const t = await newStack('dbadopt');
    const store = new KeytarSecretStore(t.service);
    const transcript: string[] = [];
    const seedPassword = crypto.randomBytes(24).toString('base64url');
    const volume = `${t.stack}_postgres_data`;
    await makeSeedVolume(volume, t.stack, seedPassword, { 'seed-key': 'from the seed stack' });
    t.writeSettings({ database: { enabled: false, image: PG_IMAGE, volume: null } });

    // Without a password in the keychain the volume cannot be used: adopt says what to import.
    const noPw = await cli(t, ['db', 'adopt', volume], transcript);
    assert.equal(noPw.code, 1);
    assert.equal(errorCode(noPw), 'DATABASE_FAILED', noPw.stderr);
    assert.match(noPw.stderr, /keychain has none yet/);
    assert.match(noPw.stderr, /gatehouse key import --env-file/);

    // A wrong password in the keychain: adopt accepts the volume, start refuses with the server's words.
    await store.set(ACCOUNTS.databasePassword, crypto.randomBytes(32).toString('hex'));
    const adopt = await cli(t, ['db', 'adopt', volume], transcript);
    assert.equal(adopt.code, 0, adopt.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(t.home, 'settings.json'), 'utf8')).database, settingsWithDatabase(volume).database, 'adopt turned the database on with that volume');
    const wrong = await cli(t, ['start'], transcript);
    assert.equal(wrong.code, 1);
    assert.equal(errorCode(wrong), 'DATABASE_FAILED', wrong.stderr);
    assert.match(wrong.stderr, new RegExp(`database in the volume ${volume} refused the password in the keychain`));
    assert.match(wrong.stderr, /password authentication failed for user "llmproxy"/);
    assert.match(wrong.stderr, /fix: Import the password this database was created with/);
    const afterWrong = await stackContainers(t.stack);
    assert.equal(afterWrong.filter((c) => c.Labels[LABELS.role] === 'gateway').length, 0, 'no gateway was started on a database it cannot use');
    assert.equal(afterWrong.filter((c) => c.State === 'running').length, 0, 'the database was stopped again');

    // Import the seed's .env (the key engineer's import moves POSTGRES_PASSWORD into the keychain).
    const envDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-seed-'));
    const envFile = path.join(envDir, '.env');
    const seedMaster = 'sk-' + crypto.randomBytes(32).toString('hex');
    fs.writeFileSync(envFile, `LITELLM_MASTER_KEY=${seedMaster}\nPOSTGRES_PASSWORD=${seedPassword}\nDATABASE_URL=postgresql://llmproxy:${seedPassword}@db:5432/litellm\n`, { mode: 0o600 });
    try {
      const imp = await cli(t, ['key', 'import', '--env-file', envFile], transcript);
      assert.equal(imp.code, 0, imp.stderr);
    } finally {
      fs.rmSync(envDir, { recursive: true, force: true });
    }
    assert.equal((await store.get(ACCOUNTS.databasePassword)) === seedPassword, true, 'the import stored POSTGRES_PASSWORD');

    const start = await cli(t, ['start'], transcript);
    assert.equal(start.code, 0, start.stderr);
    assert.equal(await dbGet(t.port, seedMaster, 'seed-key'), 'from the seed stack', 'the seed\'s rows are all there');
    const st = await statusJson(t, transcript);
    assert.equal(st.database?.volume, volume);
    assert.equal(st.database?.connected, true);
    await cli(t, ['stop'], transcript);
    assert.ok(!transcript.join('\n').includes(seedPassword), 'the seed password is in no output');
    assert.ok(!readAllFiles(t.home).includes(seedPassword), 'the seed password is in no file');
  });

  test('a database that cannot start is DATABASE_FAILED with its own words, and the volume is left as it was', async () => {
    const t = await newStack('dbbad');
    const transcript: string[] = [];
    const store = new KeytarSecretStore(t.service);
    await store.set(ACCOUNTS.databasePassword, crypto.randomBytes(32).toString('hex'));

    // A volume that holds files but no database (the wrong volume picked).
    const junk = `${t.stack}-junk`;
    await createTestVolume(junk, t.stack);
    const writer = await docker.createContainer({ Image: PG_IMAGE, Entrypoint: ['/bin/sh', '-c', 'echo precious > /data/notes.txt'], Labels: { 'io.gatehouse.test-owner': t.stack }, HostConfig: { Mounts: [{ Type: 'volume', Source: junk, Target: '/data' }] } });
    await writer.start();
    await writer.wait();
    assert.equal((await cli(t, ['db', 'adopt', junk], transcript)).code, 0);
    t.writeSettings({ database: settingsWithDatabase(junk).database });
    const r = await cli(t, ['start'], transcript);
    assert.equal(r.code, 1);
    assert.equal(errorCode(r), 'DATABASE_FAILED', r.stderr);
    assert.match(r.stderr, new RegExp(`database container ${t.stack}-db exited with code 1 while starting`));
    assert.match(r.stderr, /not empty but holds no database/);
    assert.match(r.stderr, /Nothing was deleted/);
    const check = await docker.createContainer({ Image: PG_IMAGE, Entrypoint: ['/bin/cat', '/data/notes.txt'], Labels: { 'io.gatehouse.test-owner': t.stack }, HostConfig: { Mounts: [{ Type: 'volume', Source: junk, Target: '/data' }] } });
    await check.start();
    await check.wait();
    assert.match(((await check.logs({ stdout: true, stderr: true })) as unknown as Buffer).toString(), /precious/, 'the volume\'s file is untouched');

    // A volume Docker cannot mount for PostgreSQL (read-only): the engine's words, nothing deleted.
    const ro = `${t.stack}-ro`;
    await docker.createVolume({ Name: ro, Driver: 'local', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'ro' }, Labels: { 'io.gatehouse.test-owner': t.stack } });
    assert.equal((await cli(t, ['db', 'adopt', ro], transcript)).code, 0);
    t.writeSettings({ database: settingsWithDatabase(ro).database });
    const r2 = await cli(t, ['start'], transcript);
    assert.equal(errorCode(r2), 'DATABASE_FAILED', r2.stderr);
    assert.match(r2.stderr, new RegExp(`database container ${t.stack}-db could not be started: .*read-only file system`));
    assert.ok((await docker.listVolumes()).Volumes?.some((v) => v.Name === ro), 'the volume is kept');

    // A picked volume that does not exist.
    t.writeSettings({ database: settingsWithDatabase(`${t.stack}-missing`).database });
    const r3 = await cli(t, ['start'], transcript);
    assert.equal(errorCode(r3), 'DATABASE_FAILED', r3.stderr);
    assert.match(r3.stderr, /does not exist on this Docker engine/);
    assert.equal((await stackContainers(t.stack)).filter((c) => c.Labels[LABELS.role] === 'gateway').length, 0, 'no gateway started without its database');
  });

  test('the database dying under a running gateway shows in the status within a second (Docker events)', async (ctx) => {
    const t = await newStack('dbdie');
    t.writeSettings(settingsWithDatabase());
    const core = await Gatehouse.open({ env: t.env, home: t.home });
    try {
      await core.stack.start();
      await core.stack.watch();
      const seen: StackStatus[] = [];
      const seenAt: number[] = [];
      core.events.on('stack:status', (s) => {
        seen.push(s);
        seenAt.push(Date.now());
      });
      await new Promise((r) => setTimeout(r, 500)); // the watch is connected
      const dbc = (await stackContainers(t.stack)).find((c) => c.Labels[LABELS.role] === 'database');
      assert.ok(dbc);
      // SIGKILL from outside, as the kernel's OOM killer would (`docker kill` counts as a user's
      // stop and is not restarted; this is a crash, and Docker restarts it).
      const pid = (await docker.getContainer(dbc.Id).inspect()).State.Pid;
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      const deadline = killedAt + 1000;
      let crashed: StackStatus | undefined;
      while (Date.now() < deadline && !crashed) {
        crashed = seen.find((s) => s.database?.state === 'crashed');
        if (!crashed) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(crashed, `a status with database "crashed" within 1 s; saw ${JSON.stringify(seen.map((s) => s.database?.state))}`);
      ctx.diagnostic(`database death shown ${(seenAt[seen.indexOf(crashed)] ?? NaN) - killedAt} ms after the kill`);
      assert.match(crashed.database?.detail ?? '', /exited .*code 137/);
      assert.notEqual(crashed.state, 'crashed', 'the gateway itself is not reported as crashed');
      // Docker restarts it (unless-stopped); the status comes back to healthy and the gateway reconnects.
      const back = Date.now() + 60_000;
      let st = await core.stack.status();
      while (Date.now() < back && !(st.database?.state === 'healthy' && st.database.connected)) {
        await new Promise((r) => setTimeout(r, 300));
        st = await core.stack.status();
      }
      assert.equal(st.database?.state, 'healthy');
      assert.equal(st.database?.connected, true);
    } finally {
      await core.stack.stop().catch(() => undefined);
      await core.close();
    }
  });

  test('remove-data needs the volume\'s exact name and a stopped stack; it is the only way data goes', async () => {
    const t = await newStack('dbrm');
    t.writeSettings(settingsWithDatabase());
    const transcript: string[] = [];
    assert.equal((await cli(t, ['start'], transcript)).code, 0);
    const volume = `${t.stack}-db-data`;
    const noConfirm = await cli(t, ['db', 'remove-data'], transcript);
    assert.equal(errorCode(noConfirm), 'INVALID_ARGUMENT');
    const wrongName = await cli(t, ['db', 'remove-data', '--confirm', 'gatehouse-db-data'], transcript);
    assert.equal(errorCode(wrongName), 'INVALID_ARGUMENT');
    assert.match(wrongName.stderr, new RegExp(`is not ${volume}`));
    const running = await cli(t, ['db', 'remove-data', '--confirm', volume], transcript);
    assert.equal(errorCode(running), 'DATABASE_FAILED');
    assert.match(running.stderr, /Stop the stack first/);
    assert.equal((await cli(t, ['stop'], transcript)).code, 0);
    const ok = await cli(t, ['db', 'remove-data', '--confirm', volume], transcript);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!(await docker.listVolumes()).Volumes?.some((v) => v.Name === volume), 'the volume is gone');
    // A fresh start creates an empty database again (with the same password from the keychain).
    const fresh = await cli(t, ['start'], transcript);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(await dbGet(t.port, (await t.masterKey()) as string, 'anything'), null);
    const db = (await stackContainers(t.stack)).find((c) => c.Labels[LABELS.role] === 'database');
    assert.ok(db);
    // The database answers for the stand-in's user with the keychain's password.
    const pw = (await new KeytarSecretStore(t.service).get(ACCOUNTS.databasePassword)) as string;
    const login = await execIn(docker.getContainer(db.Id), ['psql', '-X', '-tA', '-h', '127.0.0.1', '-U', 'llmproxy', '-d', 'litellm', '-c', 'SELECT 1'], [`PGPASSWORD=${pw}`]);
    assert.equal(login.code, 0, 'login with the keychain password');
    await cli(t, ['stop'], transcript);
  });
});
