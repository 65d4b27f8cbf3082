// Swarm mode's logs, pure parts: Docker's `details` prefix of a service log line, task names as
// `docker service logs` prints them, lines handed on in order while a new task is looked up, and
// the pipeline keeping each task's lines (watermark, name on the entry, history) apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { LogEntry } from '../../shared/api';
import type { DockerEngine, ServiceDetails, TaskDetails } from '../../electron/core/engine/types';
import { followService } from '../../electron/core/logs/service-follower';
import { LabelledLines, TaskNames, splitDetails, taskName, type ServiceLogLine, type TaskLabel } from '../../electron/core/swarm/service-logs';
import { createLineDecoder } from '../../electron/core/engine/log-stream';
import { LogPipeline } from '../../electron/core/logs/pipeline';
import { LogHistory } from '../../electron/core/logs/history';
import { formatEntryJson, formatEntryText } from '../../electron/core/logs/export';

const T = (n: number) => `2026-12-02T02:00:00.${String(n).padStart(9, '0')}Z`;
const TASK_A = 'jvimf8rntzjfvcdy624a1fs8h';
const TASK_B = 'rr7zujdd75hhz9obsr4xh7wd8';

/** A frame of Docker's multiplexed log: [stream, 0, 0, 0, size uint32 BE] + payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

test('details: the attributes Docker puts before a service log line are split off, URL-escaping undone', () => {
  // As measured on Engine 20.10 (API 1.41): sorted keys, comma-separated, then one space.
  const d = splitDetails(`com.docker.swarm.node.id=j6rqif42ba8l,com.docker.swarm.service.id=ip5k4u7av67a,com.docker.swarm.task.id=${TASK_A} ERROR: LITELLM_MASTER_KEY is required.`);
  assert.deepEqual(d.attrs, { 'com.docker.swarm.node.id': 'j6rqif42ba8l', 'com.docker.swarm.service.id': 'ip5k4u7av67a', 'com.docker.swarm.task.id': TASK_A });
  assert.equal(d.message, 'ERROR: LITELLM_MASTER_KEY is required.');
  assert.deepEqual(splitDetails('a=x%2Cy,b=two+words  indented').attrs, { a: 'x,y', b: 'two words' });
  assert.equal(splitDetails('a=x%2Cy,b=two+words  indented').message, ' indented', 'the message keeps its own leading space');
  assert.deepEqual(splitDetails(' no attributes'), { attrs: {}, message: 'no attributes' });
  assert.deepEqual(splitDetails('INFO: plain line without details'), { attrs: {}, message: 'INFO: plain line without details' });
  assert.deepEqual(splitDetails('k=v'), { attrs: { k: 'v' }, message: '' });
});

test('a framed service log with timestamps and details decodes into lines naming their task', () => {
  const got: ServiceLogLine[] = [];
  const dec = createLineDecoder(false, (l) => {
    const { attrs, message } = splitDetails(l.text);
    got.push({ ...l, text: message, taskId: attrs['com.docker.swarm.task.id'] ?? null, nodeId: attrs['com.docker.swarm.node.id'] ?? null });
  });
  dec.push(Buffer.concat([frame(1, `2026-12-02T02:15:44.621286158Z com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=${TASK_A} INFO:     Uvicorn running on http://0.0.0.0:4000\n`), frame(2, `2026-12-02T02:15:44.635583207Z com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=${TASK_B} boom\n`)]));
  dec.end();
  assert.deepEqual(got.map((l) => [l.time, l.stream, l.taskId, l.nodeId, l.text]), [
    ['2026-12-02T02:15:44.621286158Z', 'stdout', TASK_A, 'n1', 'INFO:     Uvicorn running on http://0.0.0.0:4000'],
    ['2026-12-02T02:15:44.635583207Z', 'stderr', TASK_B, 'n1', 'boom'],
  ]);
});

test('task names are <service>.<slot>.<12 characters of the task id>, as docker service logs prints them', () => {
  assert.equal(taskName('gh_litellm', TASK_A, 1), 'gh_litellm.1.jvimf8rntzjf');
  assert.equal(taskName('gh_litellm', TASK_A), 'gh_litellm.jvimf8rntzjf', 'no slot known: the id alone');
});

function service(name = 'gh_litellm'): ServiceDetails {
  return { ID: 'svc1', Version: { Index: 1 }, Spec: { Name: name } } as ServiceDetails;
}

function task(id: string, slot: number, containerId: string | null): TaskDetails {
  return { ID: id, Slot: slot, DesiredState: 'running', Status: { State: 'running', ...(containerId ? { ContainerStatus: { ContainerID: containerId } } : {}) } };
}

test('lines come out in the order Docker sent them while a new task is looked up; Docker is asked once for it', async () => {
  let asked = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const names = new TaskNames(service(), async () => {
    asked++;
    await gate;
    return [task(TASK_A, 1, 'a'.repeat(64)), task(TASK_B, 2, 'b'.repeat(64))];
  }, 0);
  names.learn([task(TASK_A, 1, 'a'.repeat(64))]);
  const out: [string, TaskLabel][] = [];
  const lines = new LabelledLines(names, (l, label) => out.push([l.text, label]));
  const line = (text: string, taskId: string): ServiceLogLine => ({ time: T(out.length), stream: 'stdout', text, taskId, nodeId: null });
  lines.push(line('a1', TASK_A));
  lines.push(line('b1', TASK_B)); // unknown: waits for the task list
  lines.push(line('a2', TASK_A)); // known, but behind b1
  assert.deepEqual(out.map(([t]) => t), ['a1']);
  release();
  await lines.idle();
  assert.deepEqual(out.map(([t]) => t), ['a1', 'b1', 'a2']);
  assert.equal(out[1]?.[1].name, 'gh_litellm.2.rr7zujdd75hh');
  assert.equal(out[1]?.[1].containerId, 'b'.repeat(64));
  assert.equal(asked, 1);
  lines.push(line('b2', TASK_B));
  assert.equal(out.length, 4, 'a task now known is handed on at once');
});

test('a task Docker no longer lists is still named (without its slot); a failing task list loses no line', async () => {
  const names = new TaskNames(service(), async () => {
    throw new Error('engine away');
  }, 0);
  const out: string[] = [];
  const lines = new LabelledLines(names, (l, label) => out.push(`${label.name} ${l.text}`));
  lines.push({ time: T(1), stream: 'stdout', text: 'hello', taskId: TASK_B, nodeId: null });
  lines.push({ time: T(2), stream: 'stdout', text: 'no task id', taskId: null, nodeId: null });
  await lines.idle();
  assert.deepEqual(out, ['gh_litellm.rr7zujdd75hh hello', 'gh_litellm no task id']);
});

test('pipeline: each task\'s lines carry its name and container, keep their own watermark, and the history restores both', () => {
  const key = 'sk-' + crypto.randomBytes(32).toString('hex');
  const stored: LogEntry[] = [];
  const p = new LogPipeline(1000, { entry: (e) => stored.push(e) });
  p.redactor.setSecrets([{ kind: 'master-key', value: key }]);
  const a = 'gh_litellm.1.jvimf8rntzjf';
  const b = 'gh_litellm.1.rr7zujdd75hh';
  p.setContainer('c'.repeat(64), a);
  assert.equal(p.sourceKey, a);
  p.ingest({ time: T(1), stream: 'stdout', text: 'INFO:     Started server process [1]' });
  p.ingest({ time: T(3), stream: 'stderr', text: `04:00:00 - LiteLLM Proxy:DEBUG: proxy_server.py:1690 - cache settings: {'master_key': '${key}'}` });
  p.setContainer(null, b);
  // Another task's line older than the first task's last one is still taken (its own watermark).
  p.ingest({ time: T(2), stream: 'stdout', text: 'INFO:     Uvicorn running on http://0.0.0.0:4000' });
  p.setContainer('c'.repeat(64), a);
  p.ingest({ time: T(1), stream: 'stdout', text: 'INFO:     Started server process [1]' }); // read again: dropped
  p.flush();
  assert.deepEqual(stored.map((e) => [e.task, e.containerId, e.time]), [
    [a, 'c'.repeat(64), T(1)],
    [a, 'c'.repeat(64), T(3)],
    [b, null, T(2)],
  ]);
  assert.ok(stored.every((e) => !e.message.includes(key)), 'redacted as in container mode');
  assert.equal(p.watermarkOf(a), T(1));
  assert.equal(p.watermarkOf(b), T(2));

  const records = stored.map((e) => LogHistory.record(e));
  assert.equal(records[0]?.task, a);
  const again = new LogPipeline(1000);
  again.restore(records);
  assert.deepEqual(again.buffer.toArray().map((e) => e.task), [a, a, b]);
  assert.equal(again.watermarkOf(b), T(2), 'watermarks come back per task');
  again.restore(records);
  assert.equal(again.buffer.size, 3, 'a record already held for its task is not taken twice');

  const text = formatEntryText(stored[2] as LogEntry);
  assert.match(text, / INFO {5}gh_litellm\.1\.rr7zujdd75hh uvicorn: Uvicorn running on/);
  assert.equal(JSON.parse(formatEntryJson(stored[2] as LogEntry)).task, b);
  const plain: LogEntry = { seq: 1, time: T(1), stream: 'stdout', level: 'info', source: 'uvicorn', message: 'x', containerId: 'c1' };
  assert.ok(!('task' in JSON.parse(formatEntryJson(plain))), 'container mode\'s JSON lines are unchanged');
  assert.equal(formatEntryText(plain), `${T(1)} stdout INFO     uvicorn: x`);
});

test('the follower lets go of a service Docker\'s stream outlives (removed, replaced), says when it is scaled to 0, and follows the next one', async () => {
  const svc = (id: string, replicas: number): ServiceDetails => ({ ID: id, Version: { Index: 1 }, Spec: { Name: 'gh_litellm', Mode: { Replicated: { Replicas: replicas } } } }) as ServiceDetails;
  let current: ServiceDetails | null = svc('svc1', 1);
  const streams = new Map<string, PassThrough>();
  const queries: object[] = [];
  const engine = {
    env: {},
    swarmMembership: async () => ({ localNodeState: 'active', controlAvailable: true, nodeId: 'n1', nodes: 1, managers: 1 }),
    // Like Docker's: a follow stream that never ends by itself.
    serviceLogs: async (id: string, query: object) => {
      queries.push(query);
      const s = new PassThrough();
      streams.set(id, s);
      return s;
    },
  } as unknown as DockerEngine;
  const source = {
    enabled: async () => true,
    find: async () => current,
    tasks: async (id: string) => [task(id === 'svc1' ? TASK_A : TASK_B, 1, `${id}-container`)],
  };
  const markers: string[] = [];
  const got: string[] = [];
  const attached: [string, string | null][] = [];
  const ac = new AbortController();
  const done = followService(engine, source, 'gh', {
    since: () => null,
    attach: (s, prev) => void attached.push([s.ID, prev]),
    line: (l, label) => got.push(`${label.name} ${l.text}`),
    flush: () => undefined,
    marker: (m) => markers.push(m),
  }, { signal: ac.signal, recheckMs: 30, minBackoffMs: 10, initialTail: 7 });
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ok());
  };
  await until(() => streams.has('svc1'));
  assert.deepEqual(queries[0], { stdout: true, stderr: true, timestamps: true, details: true, follow: true, stream: true, tail: 7 });
  streams.get('svc1')!.write(frame(1, `${T(1)} com.docker.swarm.task.id=${TASK_A} INFO:     Uvicorn running on http://0.0.0.0:4000\n`));
  await until(() => got.length === 1);
  assert.equal(got[0], 'gh_litellm.1.jvimf8rntzjf INFO:     Uvicorn running on http://0.0.0.0:4000');
  current = svc('svc1', 0);
  await until(() => markers.some((m) => /scaled to 0 \(stopped\)/.test(m)));
  current = svc('svc2', 1);
  await until(() => streams.has('svc2'));
  assert.ok(markers.some((m) => m === 'Gateway service gh_litellm was replaced by a new service; waiting for the gateway service.'), markers.join('\n'));
  assert.deepEqual(attached, [['svc1', null], ['svc2', 'svc1']]);
  streams.get('svc2')!.write(frame(2, `${T(2)} com.docker.swarm.task.id=${TASK_B} after the new service\n`));
  await until(() => got.length === 2);
  assert.equal(got[1], 'gh_litellm.1.rr7zujdd75hh after the new service');
  current = null;
  await until(() => markers.some((m) => /was removed/.test(m)));
  ac.abort();
  await done;
  assert.ok(markers.some((m) => /No gateway service gh_litellm in the swarm|waiting for the gateway service/.test(m)));
});
