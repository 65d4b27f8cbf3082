/**
 * Swarm mode with the database, end to end through the CLI on the engine's single-node swarm:
 * `<stack>_db` (PostgreSQL, the test image) and `<stack>_litellm` (the seed stand-in) on the overlay
 * network `<stack>_net`, the database password and the master key as Swarm secrets. start → ready,
 * status with the database, the gateway really storing rows in PostgreSQL, logs, key rotate, stop,
 * start again on the same data, remove (volumes kept). Neither the key nor the password is in a
 * service spec, a task container's inspect, a file Gatehouse wrote or the CLI's output. Only this
 * test's stack is touched (by its label).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type Docker from 'dockerode';
import { fingerprint } from '../../electron/core/secrets/master-key';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { LABELS } from '../../electron/core/engine/labels';
import { removeSwarmObjects, useSingleNodeSwarm } from './swarm-helpers';
import { docker, readAllFiles, runCli, SEED, stackVolumes, testStack, type CliResult, type TestStack } from './stack-helpers';
import { PG_IMAGE, dbGet, dbPut, execIn, readiness, settingsWithDatabase } from './database-helpers';

interface ContainerSpecView {
  Image: string;
  Env?: string[];
  Args?: string[];
  Command?: string[];
  Secrets?: { SecretName: string; File: { Name: string; Mode: number } }[];
  Mounts?: { Type: string; Source: string; Target: string }[];
}
interface TaskTemplateView {
  ContainerSpec: ContainerSpecView;
  Placement?: { Constraints?: string[] };
  Networks?: { Target: string }[];
}

describe('swarm mode with the database: <stack>_db and <stack>_litellm on <stack>_net', () => {
  let swarm: Awaited<ReturnType<typeof useSingleNodeSwarm>>;
  let t: TestStack;
  let store: KeytarSecretStore;
  const transcript: string[] = [];
  /** Every master key this stack had (rotation makes a second one). */
  const keys: string[] = [];
  /** Task container ids seen while the stack ran (inspected again at the end while they exist). */
  const taskContainers = new Set<string>();

  async function cli(args: string[], timeoutMs = 180_000): Promise<CliResult> {
    const r = await runCli(args, t.env, { timeoutMs });
    transcript.push(`$ gatehouse ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  async function services(): Promise<Docker.Service[]> {
    return docker.listServices({ filters: { label: [`${LABELS.stack}=${t.stack}`] } });
  }

  async function service(suffix: 'litellm' | 'db'): Promise<Docker.Service> {
    const s = (await services()).find((x) => x.Spec?.Name === `${t.stack}_${suffix}`);
    assert.ok(s, `the service ${t.stack}_${suffix} exists`);
    return s;
  }

  function template(s: Docker.Service): TaskTemplateView {
    return s.Spec?.TaskTemplate as TaskTemplateView;
  }

  async function runningTaskContainer(s: Docker.Service): Promise<string> {
    const tasks = await docker.listTasks({ filters: { service: [s.ID], 'desired-state': ['running'] } });
    const id = tasks.map((x) => (x as { Status?: { ContainerStatus?: { ContainerID?: string } } }).Status?.ContainerStatus?.ContainerID).find((x): x is string => !!x);
    assert.ok(id, `a task of ${s.Spec?.Name} has a container`);
    return id;
  }

  /** Records every task container of the stack's services (any state) for the final inspection. */
  async function noteTaskContainers(): Promise<void> {
    for (const s of await services()) {
      for (const task of await docker.listTasks({ filters: { service: [s.ID] } })) {
        const id = (task as { Status?: { ContainerStatus?: { ContainerID?: string } } }).Status?.ContainerStatus?.ContainerID;
        if (id) taskContainers.add(id);
      }
    }
  }

  async function password(): Promise<string> {
    const pw = await store.get(ACCOUNTS.databasePassword);
    assert.ok(pw, 'the keychain holds the database password');
    return pw;
  }

  /** The row as PostgreSQL itself holds it: psql in the database's task container, the password in the exec's Env. */
  async function rowInPostgres(k: string): Promise<string> {
    const id = await runningTaskContainer(await service('db'));
    const r = await execIn(docker.getContainer(id), ['psql', '-X', '-tA', '-h', '127.0.0.1', '-U', 'llmproxy', '-d', 'litellm', '-c', `SELECT v FROM gatehouse_standin_kv WHERE k = '${k}'`], [`PGPASSWORD=${await password()}`]);
    assert.equal(r.code, 0, r.output);
    return r.output.trim();
  }

  before(async () => {
    swarm = await useSingleNodeSwarm();
    t = await testStack('swdb', SEED);
    store = new KeytarSecretStore(t.service);
    t.writeSettings({ target: 'swarm', publishMode: 'host', ...settingsWithDatabase() });
  });

  after(async () => {
    await removeSwarmObjects(t.stack);
    await t.cleanup();
    await swarm.restore();
  });

  test('start deploys the overlay network, <stack>_db (pinned, password file) and the gateway; ready with the database connected', async (ctx) => {
    const start = await cli(['start']);
    assert.equal(start.code, 0, start.stderr);
    ctx.diagnostic(`swarm start with a new database (initdb included): ${start.ms} ms`);
    const key = await t.masterKey();
    assert.ok(key);
    keys.push(key);
    const pw = await password();
    assert.match(pw, /^[0-9a-f]{64}$/, 'generated: 256 random bits in hex');

    // The overlay network: Gatehouse's, attachable, both services on it.
    const net = await docker.getNetwork(`${t.stack}_net`).inspect();
    assert.equal(net.Driver, 'overlay');
    assert.equal(net.Attachable, true);
    assert.equal(net.Labels?.[LABELS.stack], t.stack);
    assert.equal(net.Labels?.[LABELS.role], 'network');

    const db = await service('db');
    const gw = await service('litellm');
    assert.equal(db.Spec?.Labels?.[LABELS.role], 'database');
    for (const s of [db, gw]) assert.deepEqual(template(s).Networks?.map((n) => n.Target), [net.Id], `${s.Spec?.Name} joins ${t.stack}_net`);

    // The database service: one replica on this node, the password only as a file.
    const info = (await docker.info()) as { Swarm: { NodeID: string } };
    const dbSpec = template(db);
    assert.equal((db.Spec?.Mode as { Replicated: { Replicas: number } }).Replicated.Replicas, 1);
    assert.deepEqual(dbSpec.Placement?.Constraints, [`node.id==${info.Swarm.NodeID}`]);
    assert.equal(dbSpec.ContainerSpec.Image.split('@')[0], PG_IMAGE);
    assert.deepEqual([...(dbSpec.ContainerSpec.Env ?? [])].sort(), ['POSTGRES_DB=litellm', 'POSTGRES_PASSWORD_FILE=/run/secrets/POSTGRES_PASSWORD', 'POSTGRES_USER=llmproxy']);
    const pwSecret = `${t.stack}_postgres_password_${fingerprint(pw).slice('sha256:'.length)}`;
    assert.deepEqual(dbSpec.ContainerSpec.Secrets?.map((s) => [s.SecretName, s.File.Name]), [[pwSecret, 'POSTGRES_PASSWORD']]);
    assert.deepEqual(dbSpec.ContainerSpec.Mounts?.map((m) => [m.Type, m.Source, m.Target]), [['volume', `${t.stack}-db-data`, '/var/lib/postgresql/data']]);

    // The gateway: STORE_MODEL_IN_DB, the password file, never DATABASE_URL.
    const gwSpec = template(gw).ContainerSpec;
    assert.ok((gwSpec.Env ?? []).includes('STORE_MODEL_IN_DB=True'));
    assert.ok(!(gwSpec.Env ?? []).some((e) => e.startsWith('DATABASE_URL=')), 'DATABASE_URL is built in the task, not in the spec');
    assert.ok(gwSpec.Secrets?.some((s) => s.SecretName === pwSecret && s.File.Name === 'POSTGRES_PASSWORD'), 'the gateway mounts the same password secret');

    // The gateway's task built the URL: its readiness reports the database connected.
    const ready = await readiness(t.port);
    assert.equal(ready.json.db, 'connected');
    const st = await cli(['status', '--json']);
    assert.equal(st.code, 0, st.stderr);
    const status = JSON.parse(st.stdout) as { state: string; database: { state: string; connected: boolean | null; volume: string; image: string; containerId: string | null } | null };
    assert.equal(status.state, 'healthy');
    assert.equal(status.database?.state, 'healthy');
    assert.equal(status.database?.connected, true);
    assert.equal(status.database?.volume, `${t.stack}-db-data`);
    assert.equal(status.database?.image, PG_IMAGE);
    assert.equal(status.database?.containerId, await runningTaskContainer(db), 'the database field names the db task\'s container');
    assert.match((await cli(['status'])).stdout, new RegExp(`Database:\\s+healthy \\(volume ${t.stack}-db-data, gateway connected\\)`));
    await noteTaskContainers();
  });

  test('the gateway stores data in PostgreSQL through the DATABASE_URL its wrapper built', async () => {
    const key = keys.at(-1)!;
    await dbPut(t.port, key, 'virtual-key', 'spend=42');
    assert.equal(await dbGet(t.port, key, 'virtual-key'), 'spend=42');
    assert.equal(await rowInPostgres('virtual-key'), 'spend=42', 'the row is in the database service\'s PostgreSQL');
  });

  test('logs read the gateway service\'s tasks', async (ctx) => {
    // Docker's service logs leave out a task while its HEALTHCHECK has not passed yet (task state
    // "starting": the seed image checks first after 30 s), so the lines appear once it has.
    const began = Date.now();
    let entries: { message?: string }[] = [];
    let last: CliResult | null = null;
    while (Date.now() - began < 60_000) {
      last = await cli(['logs', '--grep', 'Uvicorn running on', '--json'], 60_000);
      assert.equal(last.code, 0, last.stderr);
      entries = last.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message?: string });
      if (entries.some((e) => /Uvicorn running on/.test(e.message ?? ''))) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    ctx.diagnostic(`the boot line appeared in gatehouse logs ${Date.now() - began} ms after this step began`);
    assert.ok(entries.some((e) => /Uvicorn running on/.test(e.message ?? '')), `the stand-in's boot line is in the log (${last?.stdout.slice(0, 400)})`);
  });

  test('key rotate with the database: new key served, old refused, the data still there', async () => {
    const oldKey = keys.at(-1)!;
    const r = await cli(['key', 'rotate', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const newKey = (await t.masterKey())!;
    assert.notEqual(newKey, oldKey);
    keys.push(newKey);
    assert.equal(JSON.parse(r.stdout).fingerprint, fingerprint(newKey));
    assert.equal(await dbGet(t.port, newKey, 'virtual-key'), 'spend=42', 'data survives the rotation');
    await assert.rejects(dbGet(t.port, oldKey, 'virtual-key'), /answered 401/, 'the old key is refused');
    assert.equal((await readiness(t.port)).json.db, 'connected');
    const names = (await docker.listSecrets({ filters: { label: [`${LABELS.stack}=${t.stack}`] } })).map((s) => s.Spec?.Name ?? '');
    assert.deepEqual(names.filter((n) => n.includes('_litellm_master_key_')), [`${t.stack}_litellm_master_key_${fingerprint(newKey).slice('sha256:'.length)}`], 'only the new key\'s secret remains');
    assert.equal(names.filter((n) => n.includes('_postgres_password_')).length, 1, 'the password secret is kept as it was');
    await noteTaskContainers();
  });

  test('stop scales both services to 0 (gateway first); the data volume and the secrets stay', async () => {
    const stop = await cli(['stop']);
    assert.equal(stop.code, 0, stop.stderr);
    for (const s of await services()) {
      assert.equal((s.Spec?.Mode as { Replicated: { Replicas: number } }).Replicated.Replicas, 0, `${s.Spec?.Name} scaled to 0`);
      const tasks = await docker.listTasks({ filters: { service: [s.ID] } });
      assert.ok(!tasks.some((x) => ['running', 'starting'].includes((x as { Status?: { State?: string } }).Status?.State ?? '')), `no task of ${s.Spec?.Name} runs`);
    }
    const st = JSON.parse((await cli(['status', '--json'])).stdout) as { state: string; database: { state: string; connected: boolean | null } | null };
    assert.equal(st.state, 'stopped');
    assert.equal(st.database?.state, 'stopped');
    assert.equal(st.database?.connected, null);
    assert.ok((await stackVolumes(t.stack)).includes(`${t.stack}-db-data`));
    // PostgreSQL shut down cleanly (SIGINT, its fast shutdown) rather than being killed.
    const dbTasks = await docker.listTasks({ filters: { service: [(await service('db')).ID] } });
    const exits = dbTasks.map((x) => (x as { Status?: { ContainerStatus?: { ExitCode?: number } } }).Status?.ContainerStatus?.ExitCode);
    assert.ok(exits.every((c) => c === 0 || c === undefined), `the database tasks exited with 0 (${exits.join(', ')})`);
  });

  test('start again: the same volume, password and data', async () => {
    const pw = await password();
    const start = await cli(['start']);
    assert.equal(start.code, 0, start.stderr);
    assert.equal(await password(), pw, 'the password is not regenerated');
    const key = keys.at(-1)!;
    assert.equal(await dbGet(t.port, key, 'virtual-key'), 'spend=42', 'data survives stop/start');
    assert.equal(await rowInPostgres('virtual-key'), 'spend=42');
    const st = JSON.parse((await cli(['status', '--json'])).stdout) as { state: string; database: { state: string; connected: boolean } };
    assert.equal(st.state, 'healthy');
    assert.equal(st.database.connected, true);
    await noteTaskContainers();
  });

  test('neither the key nor the password is in a service spec, a task container, a file Gatehouse wrote or the output', async () => {
    const secrets = [...keys, await password(), (await store.get(ACCOUNTS.saltKey))!];
    for (const s of await services()) {
      const spec = JSON.stringify(s.Spec);
      const cs = template(s).ContainerSpec;
      for (const v of secrets) {
        assert.ok(!spec.includes(v), `a secret in the spec of ${s.Spec?.Name}`);
        assert.ok(!JSON.stringify([cs.Env ?? [], cs.Args ?? [], cs.Command ?? [], s.Spec?.Labels ?? {}]).includes(v));
      }
    }
    await noteTaskContainers();
    assert.ok(taskContainers.size >= 4, `task containers of both services were inspected (${taskContainers.size})`);
    let inspected = 0;
    for (const id of taskContainers) {
      const info = await docker.getContainer(id).inspect().catch(() => null);
      if (!info) continue;
      inspected++;
      const text = JSON.stringify(info);
      for (const v of secrets) assert.ok(!text.includes(v), `a secret in the inspect of task container ${id.slice(0, 12)}`);
    }
    assert.ok(inspected >= 2, 'the running task containers were inspected');
    const files = readAllFiles(t.home);
    for (const v of secrets) assert.ok(!files.includes(v), 'a secret in a file under GATEHOUSE_HOME');
    const out = transcript.join('\n');
    for (const v of secrets) assert.ok(!out.includes(v), 'a secret in the CLI output');
  });

  test('remove: the services, secrets and overlay network go; the volumes stay without --volumes', async () => {
    const r = await cli(['remove', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { services: string[]; secrets: string[]; overlayNetwork: string | null; volumesKept: string[]; volumesRemoved: string[] };
    assert.deepEqual(out.services, [`${t.stack}_litellm`, `${t.stack}_db`]);
    assert.equal(out.overlayNetwork, `${t.stack}_net`);
    assert.ok(out.secrets.some((n) => n.includes('_postgres_password_')) && out.secrets.some((n) => n.includes('_litellm_master_key_')));
    assert.deepEqual(out.volumesRemoved, []);
    assert.deepEqual([...out.volumesKept].sort(), [`${t.stack}-claude`, `${t.stack}-db-data`]);
    assert.equal((await services()).length, 0);
    assert.equal((await docker.listSecrets({ filters: { label: [`${LABELS.stack}=${t.stack}`] } })).length, 0);
    assert.equal((await docker.listNetworks({ filters: { label: [`${LABELS.stack}=${t.stack}`] } })).length, 0);
    assert.deepEqual((await stackVolumes(t.stack)).sort(), [`${t.stack}-claude`, `${t.stack}-db-data`]);
    const human = await cli(['remove']);
    assert.equal(human.code, 0, human.stderr);
  });

  test('the kept volume with a password it does not know: DATABASE_FAILED in PostgreSQL\'s words, the database scaled back to 0, no gateway, nothing deleted', async () => {
    const pw = await password();
    await store.set(ACCOUNTS.databasePassword, crypto.randomBytes(32).toString('hex'));
    const wrong = await cli(['start']);
    assert.equal(wrong.code, 1, wrong.stdout);
    assert.match(wrong.stderr, new RegExp(`database in the volume ${t.stack}-db-data refused the password in the keychain`));
    assert.match(wrong.stderr, /password authentication failed for user "llmproxy"/);
    assert.match(wrong.stderr, /\(error code DATABASE_FAILED\)/);
    const db = await service('db');
    assert.equal((db.Spec?.Mode as { Replicated: { Replicas: number } }).Replicated.Replicas, 0, 'the database service is scaled back to 0');
    assert.ok(!(await services()).some((s) => s.Spec?.Name === `${t.stack}_litellm`), 'no gateway service was made on a database it cannot use');
    assert.deepEqual((await stackVolumes(t.stack)).sort(), [`${t.stack}-claude`, `${t.stack}-db-data`]);

    // The right password again: the same rows.
    await store.set(ACCOUNTS.databasePassword, pw);
    const start = await cli(['start']);
    assert.equal(start.code, 0, start.stderr);
    assert.equal(await dbGet(t.port, keys.at(-1)!, 'virtual-key'), 'spend=42', 'the data was not touched by the refused start');
  });

  test('db remove-data: refused while the database service runs; after stop it removes the service holding the volume, then the volume', async () => {
    const volume = `${t.stack}-db-data`;
    const running = await cli(['db', 'remove-data', '--confirm', volume]);
    assert.equal(running.code, 1);
    assert.match(running.stderr, new RegExp(`database service ${t.stack}_db is running on the volume ${volume}`));
    assert.ok((await stackVolumes(t.stack)).includes(volume));
    assert.equal((await cli(['stop'])).code, 0);
    const rm = await cli(['db', 'remove-data', '--confirm', volume]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(await stackVolumes(t.stack), [`${t.stack}-claude`]);
    assert.ok(!(await services()).some((s) => s.Spec?.Name === `${t.stack}_db`), 'the stopped database service that held the volume is gone');
    const all = await cli(['remove', '--volumes', '--confirm', t.stack, '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual((JSON.parse(all.stdout) as { volumesRemoved: string[] }).volumesRemoved, [`${t.stack}-claude`]);
    assert.deepEqual(await stackVolumes(t.stack), []);
    assert.equal((await services()).length, 0);
    assert.equal((await docker.listSecrets({ filters: { label: [`${LABELS.stack}=${t.stack}`] } })).length, 0);
  });
});
