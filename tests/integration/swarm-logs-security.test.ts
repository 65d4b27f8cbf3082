/**
 * Swarm mode (settings.target "swarm", publish mode host) against the seed stand-in, started
 * through the CLI: `gatehouse logs` reads the gateway service's log through the service logs API
 * (every task, each line naming its task as `docker service logs` does, the key redacted; --tail
 * and --since), `gatehouse logs --follow` keeps following across a rotation (a new task) and a
 * stop/start; `gatehouse security --json` knows the key is in no Env and that Swarm publishes on
 * every interface, and names the place (never the value) when the key is planted in the
 * service's Env by someone else. Only this test's services, secrets and volumes are touched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { LogEntry, SecurityReport } from '../../shared/api';
import { LABELS } from '../../electron/core/engine/labels';
import { removeSwarmObjects, useSingleNodeSwarm } from './swarm-helpers';
import { docker, readAllFiles, ROOT, runCli, SEED, testStack, type TestStack } from './stack-helpers';

interface TaskView {
  ID: string;
  Slot?: number;
  DesiredState?: string;
  Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
}

describe('swarm mode: gatehouse logs follows the gateway service\'s tasks; gatehouse security checks the service', () => {
  let t: TestStack;
  let swarm: Awaited<ReturnType<typeof useSingleNodeSwarm>>;
  /** Every output of the CLI in this test, searched for the keys at the end. */
  const outputs: string[] = [];
  const keys: string[] = [];

  before(async () => {
    swarm = await useSingleNodeSwarm();
    t = await testStack('swarmlogs', SEED);
    // The stand-in prints the master key at boot (as LiteLLM once did): redaction must catch it in swarm mode too.
    t.writeSettings({ target: 'swarm', publishMode: 'host', extraEnv: { STANDIN_LEAK_KEY: '1' }, logBufferEntries: 1000 });
  });
  after(async () => {
    await removeSwarmObjects(t.stack);
    await t.cleanup();
    await swarm.restore();
  });

  async function cli(args: string[], timeoutMs = 60_000) {
    const r = await runCli(args, t.env, { timeoutMs });
    outputs.push(r.stdout, r.stderr);
    return r;
  }

  async function service() {
    const all = await docker.listServices({ filters: { label: [`${LABELS.stack}=${t.stack}`, `${LABELS.role}=gateway`] } });
    const svc = all.find((s) => s.Spec?.Name === `${t.stack}_litellm`);
    assert.ok(svc, 'the gateway service exists');
    return svc;
  }

  /** The running task's name as `docker service logs` prints it: <service>.<slot>.<12 of the task id>. */
  async function runningTask(): Promise<{ name: string; containerId: string }> {
    const svc = await service();
    for (let i = 0; i < 100; i++) {
      const tasks = (await docker.listTasks({ filters: { service: [svc.ID] } })) as TaskView[];
      const run = tasks.find((x) => x.DesiredState === 'running' && x.Status?.State === 'running' && x.Status.ContainerStatus?.ContainerID);
      if (run) return { name: `${t.stack}_litellm.${run.Slot}.${run.ID.slice(0, 12)}`, containerId: run.Status!.ContainerStatus!.ContainerID! };
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error('no running task');
  }

  function entries(stdout: string): LogEntry[] {
    return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LogEntry);
  }

  test('gatehouse logs shows the stand-in\'s startup lines, each naming its task, the key redacted; --tail and --since work', async () => {
    const start = await cli(['start'], 180_000);
    assert.equal(start.code, 0, start.stderr);
    const key = (await t.masterKey())!;
    keys.push(key);
    const task = await runningTask();

    const text = await cli(['logs']);
    assert.equal(text.code, 0, text.stderr);
    const uvicorn = text.stdout.split('\n').find((l) => /Uvicorn running on/.test(l));
    assert.ok(uvicorn, `the stand-in's startup line is shown:\n${text.stdout}`);
    assert.ok(uvicorn.includes(` ${task.name} `), `the line names its task ${task.name}: ${uvicorn}`);
    assert.match(text.stdout, /\[REDACTED/, 'the key the stand-in printed is redacted');

    const json = await cli(['logs', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const all = entries(json.stdout);
    const fromTask = all.filter((e) => e.stream !== 'system');
    assert.ok(fromTask.length >= 3, 'the startup lines are there');
    for (const e of fromTask) assert.equal(e.task, task.name, `every line of the gateway names its task: ${JSON.stringify(e)}`);
    assert.ok(fromTask.some((e) => e.containerId === task.containerId), 'the entries carry the task\'s container');
    assert.ok(all.some((e) => e.stream === 'system' && /gateway service/.test(e.message)), 'a marker says the service is read');

    // --tail N from the buffer: the newest N entries.
    const tail = await cli(['logs', '--tail', '2', '--json']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(entries(tail.stdout).length, 2);
    // --tail beyond the buffer (logBufferEntries 1000): read straight from the service's tasks.
    const deep = await cli(['logs', '--tail', '5000', '--json']);
    assert.equal(deep.code, 0, deep.stderr);
    assert.match(deep.stderr, /from the tasks of the gateway service/);
    const deepEntries = entries(deep.stdout);
    assert.ok(deepEntries.some((e) => /Uvicorn running on/.test(e.message) && e.task === task.name));

    // --since: a time after the startup lines leaves them out; 10m keeps them.
    const recent = await cli(['logs', '--since', '10m']);
    assert.match(recent.stdout, /Uvicorn running on/);
    const later = await cli(['logs', '--since', new Date(Date.now() + 1000).toISOString(), '--stream', 'stdout']);
    assert.equal(later.code, 0, later.stderr);
    assert.doesNotMatch(later.stdout, /Uvicorn running on/);

    for (const o of outputs) assert.ok(!o.includes(key), 'no output of gatehouse logs holds the key');
    assert.ok(!readAllFiles(t.home).includes(key), 'the log history Gatehouse stores holds no key');
  });

  test('gatehouse security --json in swarm mode: the key is in no Env (pass), delivered as a Swarm secret, exposure on all interfaces', async () => {
    const r = await cli(['security', '--json'], 120_000);
    const report = JSON.parse(r.stdout) as SecurityReport;
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    const placement = byId.get('key-placement');
    assert.equal(placement?.status, 'pass', placement?.finding);
    assert.match(placement!.finding, /The key is not in any Env: not in the service .*_litellm's spec \(.*ContainerSpec\.Env.*\) nor in the Env, Cmd, Entrypoint and Labels of 1 task container/);
    const drift = byId.get('key-drift');
    assert.equal(drift?.status, 'pass', drift?.finding);
    assert.match(drift!.finding, /as the Swarm secret .*_litellm_master_key_/);
    const exposure = byId.get('exposure');
    assert.equal(exposure?.status, 'warn');
    assert.match(exposure!.finding, /on all interfaces/);
    assert.match(exposure!.finding, /bindAddress setting \(127\.0\.0\.1\) does not apply in swarm mode/);
    assert.ok(exposure!.fix && /target container/.test(exposure!.fix));
    assert.equal(byId.get('barrier')?.status, 'pass', byId.get('barrier')?.finding);
    // The stand-in printed the key at boot: the service's log holds it.
    const logs = byId.get('log-secrets');
    assert.equal(logs?.status, 'fail', logs?.finding);
    // The running task's container is inspected (not skipped): it is on this engine's node.
    assert.ok(['pass', 'warn'].includes(byId.get('container-hardening')!.status), byId.get('container-hardening')?.finding);
    assert.match(byId.get('container-hardening')!.finding, /gateway container/);
    assert.match(byId.get('docker-access')!.finding, /docker exec/);
    assert.equal(r.code, 2, 'a failing check exits 2');
  });

  test('the key planted into the service\'s Env (a hostile or legacy spec): the check fails naming the place, never the key', async () => {
    const key = keys[0]!;
    const svc = await service();
    const before = await runningTask();
    const spec = svc.Spec as { TaskTemplate: { ContainerSpec: { Env?: string[] } } };
    spec.TaskTemplate.ContainerSpec.Env = [...(spec.TaskTemplate.ContainerSpec.Env ?? []), `LEGACY_MASTER_KEY=${key}`];
    await docker.getService(svc.ID).update({ ...svc.Spec, version: svc.Version!.Index });
    // Wait for the task made from the planted spec.
    let now = before;
    for (let i = 0; i < 150 && now.name === before.name; i++) {
      await new Promise((r) => setTimeout(r, 400));
      now = await runningTask().catch(() => before);
    }
    assert.notEqual(now.name, before.name, 'the update made a new task');

    const r = await cli(['security', '--json'], 120_000);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key), 'the report never prints the key');
    const report = JSON.parse(r.stdout) as SecurityReport;
    const placement = report.checks.find((c) => c.id === 'key-placement')!;
    assert.equal(placement.status, 'fail');
    assert.match(placement.finding, new RegExp(`service ${t.stack}_litellm: ContainerSpec\\.Env LEGACY_MASTER_KEY`));
    assert.match(placement.finding, new RegExp(`task ${now.name.replace(/\./g, '\\.')} \\(container ${now.containerId.slice(0, 12)}\\): Config\\.Env LEGACY_MASTER_KEY`));
    assert.equal(placement.action, 'key:rotate');
    const human = await cli(['security'], 120_000);
    assert.match(human.stdout, /FAIL {2}Key in no Env, spec or label/);
    assert.ok(!human.stdout.includes(key));
  });

  test('gatehouse logs --follow follows the service across a rotation (a new task) and a stop/start, naming each task', async () => {
    const first = await runningTask();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), 'logs', '--follow', '--json'], { env: t.env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const seen = (taskName: string) => entries(out).some((e) => e.task === taskName && /Uvicorn running on/.test(e.message));
    const waitFor = async (what: string, ok: () => boolean, ms = 60_000) => {
      const until = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > until) throw new Error(`${what} did not show in the followed log:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    try {
      await waitFor(`the current task ${first.name}`, () => seen(first.name));

      const rotate = await cli(['key', 'rotate'], 180_000);
      assert.equal(rotate.code, 0, rotate.stderr);
      keys.push((await t.masterKey())!);
      const rotated = await runningTask();
      assert.notEqual(rotated.name, first.name);
      await waitFor(`the rotated task ${rotated.name}`, () => seen(rotated.name));

      const stop = await cli(['stop'], 120_000);
      assert.equal(stop.code, 0, stop.stderr);
      await waitFor('the scaled-to-0 marker', () => entries(out).some((e) => e.stream === 'system' && /scaled to 0/.test(e.message)), 20_000);
      const start = await cli(['start'], 180_000);
      assert.equal(start.code, 0, start.stderr);
      const restarted = await runningTask();
      assert.notEqual(restarted.name, rotated.name);
      await waitFor(`the restarted task ${restarted.name}`, () => seen(restarted.name));
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
    outputs.push(out, err);
    const lines = entries(out).filter((e) => e.stream !== 'system');
    assert.ok(lines.every((e) => typeof e.task === 'string' && e.task.startsWith(`${t.stack}_litellm.`)), 'every followed line names its task');
    const ids = lines.map((e) => `${e.time} ${e.task} ${e.stream} ${e.message}`);
    assert.equal(new Set(ids).size, ids.length, 'no line printed twice');
    for (const k of keys) for (const o of outputs) assert.ok(!o.includes(k), 'no key in any output');
    for (const k of keys) assert.ok(!readAllFiles(t.home).includes(k), 'no key in any file Gatehouse wrote');
  });
});
