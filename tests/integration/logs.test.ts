/**
 * The log engine against real containers of the LiteLLM stand-in: every kind of line the
 * gateway prints (Python logging, uvicorn, entrypoint, JSON, a traceback, unknown lines, a line
 * with the master key), redaction everywhere the core returns, stores or exports, follow across
 * a recreated container, history across an app restart, the CLI, and Docker being unreachable.
 * Containers are created here with dockerode and the stack's labels; keys are generated at run
 * time and only ever compared, never printed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import type Docker from 'dockerode';
import type { LogEntry } from '../../shared/api';
import { Gatehouse } from '../../electron/core/gatehouse';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { generateMasterKey, fingerprint } from '../../electron/core/secrets/master-key';
import { LABELS } from '../../electron/core/engine/labels';
import { isGatehouseError } from '../../electron/core/errors';
import { ROOT, PLAIN, docker, testStack, runCli, readAllFiles, type TestStack } from './stack-helpers';

function post(port: number, pathname: string, key: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, path: pathname, method: 'POST', timeout: 5000, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function createGateway(t: TestStack, key: string, env: Record<string, string>): Promise<Docker.Container> {
  const c = await docker.createContainer({
    Image: PLAIN,
    name: `${t.stack}-gateway-${Date.now()}`,
    Labels: { [LABELS.stack]: t.stack, [LABELS.role]: 'gateway' },
    Env: [`LITELLM_MASTER_KEY=${key}`, 'STANDIN_BOOT_MS=100', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
    ExposedPorts: { '4000/tcp': {} },
    HostConfig: { PortBindings: { '4000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(t.port) }] } },
  });
  await c.start();
  await until('the stand-in to listen', async () => (await post(t.port, '/__standin/emit', key, { lines: [] })) === 200);
  return c;
}

/** A unix-socket proxy to the real Docker engine that a test can take down and bring back. */
function dockerProxy(sockPath: string): { up(): Promise<void>; down(): Promise<void> } {
  const conns = new Set<net.Socket>();
  let server: net.Server | null = null;
  return {
    up: () =>
      new Promise<void>((resolve, reject) => {
        server = net.createServer((client) => {
          const upstream = net.connect('/var/run/docker.sock');
          conns.add(client).add(upstream);
          const drop = () => {
            client.destroy();
            upstream.destroy();
            conns.delete(client);
            conns.delete(upstream);
          };
          for (const s of [client, upstream]) {
            s.on('error', drop);
            s.on('close', drop);
          }
          client.pipe(upstream).pipe(client);
        });
        server.once('error', reject);
        server.listen(sockPath, () => resolve());
      }),
    down: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        conns.clear();
        if (!server) return resolve();
        server.close(() => resolve());
        server = null;
      }),
  };
}

function assertNoSecret(where: string, text: string, secrets: string[]): void {
  for (const s of secrets) {
    // never print the key: name it by fingerprint
    assert.ok(!text.includes(s), `${where} holds the secret ${fingerprint(s)}`);
  }
}

describe('log engine against the stand-in', { timeout: 180_000 }, () => {
  let t: TestStack;
  let store: KeytarSecretStore;
  let key: string;
  const allKeys: string[] = [];

  before(async () => {
    t = await testStack('logs');
    store = new KeytarSecretStore(t.service);
    key = generateMasterKey();
    allKeys.push(key);
    await store.set(ACCOUNTS.masterKey, key);
  });

  after(async () => {
    await t.cleanup();
  });

  test('every kind of line is parsed, the key is redacted in everything the core returns, stores and exports', async () => {
    await createGateway(t, key, { STANDIN_TRACEBACK: '1', STANDIN_LEAK_KEY: '1' });
    const jsonLine = JSON.stringify({ message: 'json says hello', level: 'WARNING', timestamp: new Date().toISOString() });
    assert.equal(
      await post(t.port, '/__standin/emit', key, {
        lines: [
          { stream: 'stdout', text: jsonLine },
          { stream: 'stdout', text: `printed by accident: ${key}` },
          { stream: 'stderr', text: `upstream call with headers {'Authorization': 'Bearer ${key}'}` },
          { stream: 'stderr', text: 'ERROR: LITELLM_MASTER_KEY is required.' },
          { stream: 'stdout', text: 'some unknown chatter' },
          { stream: 'stderr', text: 'database url postgresql://litellm:pw-abc-123@db:5432/litellm' },
        ],
      }),
      200,
    );
    const core = await Gatehouse.open({ env: t.env });
    try {
      await until('the emitted lines to be read', async () => {
        await core.logs.sync();
        const page = await core.logs.query({ text: 'unknown chatter' });
        return page.total > 0;
      });
      const all = (await core.logs.query({})).entries;
      const by = (pred: (e: LogEntry) => boolean) => all.find(pred);
      assert.ok(by((e) => e.source === 'LiteLLM Router' && e.level === 'warning' && e.message.includes('deployments without rpm/tpm')), 'Python logging warning');
      assert.ok(by((e) => e.source === 'LiteLLM Proxy' && e.level === 'info' && e.message.includes('Starting LiteLLM proxy')), 'Python logging info');
      assert.ok(by((e) => e.source === 'uvicorn' && e.message.startsWith('Uvicorn running on http://0.0.0.0:4000')), 'uvicorn');
      const tb = by((e) => e.message.includes('Exception loading config'));
      assert.ok(tb, 'traceback entry');
      assert.equal(tb.level, 'error');
      assert.equal(tb.stream, 'stderr');
      assert.match(tb.message, /Exception loading config\nTraceback \(most recent call last\):\n  File .*\nyaml\.scanner\.ScannerError: mapping values are not allowed here$/s);
      assert.ok(by((e) => e.message === 'json says hello' && e.level === 'warning' && e.source === 'LiteLLM'), 'JSON line');
      assert.ok(by((e) => e.source === 'entrypoint' && e.level === 'error' && e.message === 'LITELLM_MASTER_KEY is required.'), 'entrypoint line');
      assert.ok(by((e) => e.source === 'gateway' && e.level === 'info' && e.message === 'some unknown chatter'), 'unknown line kept');
      assert.ok(by((e) => e.message === 'printed by accident: [REDACTED:master-key]'), 'exact key redacted and named');
      assert.ok(by((e) => e.message.includes("'master_key': '[REDACTED:master-key]'")), 'the cache-settings leak redacted');
      assert.ok(by((e) => e.message.includes('Bearer [REDACTED:master-key]')));
      assert.ok(by((e) => e.message.includes('postgresql://litellm:[REDACTED:url-password]@db')));
      assert.ok(by((e) => e.stream === 'system' && e.source === 'gatehouse'), 'attach marker');
      assert.ok(all.every((e) => typeof e.containerId === 'string' && e.containerId.length === 64));

      const stats = await core.logs.redactionStats();
      assert.ok(stats.exactLines >= 3, `exact lines ${stats.exactLines}`);
      assert.ok((await core.logs.redactionCount()) >= 4);

      const warnings = await core.logs.warnings();
      assert.ok(warnings.some((w) => w.pattern.includes('model_list has <n> deployments')));
      assert.ok(warnings.every((w) => !w.acknowledged));

      const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-logs-export-'));
      const txt = await core.logs.export({}, 'text', path.join(exportDir, 'all.log'));
      const jsonl = await core.logs.export({ minLevel: 'warning' }, 'jsonl', path.join(exportDir, 'warn.jsonl'));
      assert.equal(txt.entries, all.length);
      const jsonText = fs.readFileSync(jsonl.path, 'utf8');
      assert.ok(jsonText.trim().split('\n').every((l) => ['warning', 'error', 'critical'].includes((JSON.parse(l) as LogEntry).level)));
      await core.close();

      assertNoSecret('query results', JSON.stringify(all), allKeys);
      assertNoSecret('warnings', JSON.stringify(warnings), allKeys);
      assertNoSecret('exports', readAllFiles(exportDir), allKeys);
      assertNoSecret('history and state', readAllFiles(t.home), allKeys);
      assert.ok(fs.readdirSync(path.join(t.home, 'logs', t.stack)).includes('history.jsonl'));
      fs.rmSync(exportDir, { recursive: true, force: true });
    } finally {
      await core.close();
    }
  });

  test('follow reattaches to a recreated container with a marker; the new key is redacted from its first line', async () => {
    const core = await Gatehouse.open({ env: t.env });
    const seen: LogEntry[] = [];
    const off = core.events.on('logs:appended', (entries) => seen.push(...entries));
    const ac = new AbortController();
    const following = core.logs.follow({ signal: ac.signal, recheckMs: 1000, minBackoffMs: 200 });
    try {
      const [old] = await docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${t.stack}`] } });
      assert.ok(old);
      await post(t.port, '/__standin/emit', key, { lines: [{ stream: 'stdout', text: 'before the rotation' }] });
      await until('a live line from the first container', () => seen.some((e) => e.message === 'before the rotation'));

      // A rotation as the key manager does it: the new key is journaled as pending, then the
      // container is recreated with it.
      const next = generateMasterKey();
      allKeys.push(next);
      await store.set(ACCOUNTS.pendingMasterKey, next);
      await docker.getContainer(old.Id).remove({ force: true });
      const fresh = await createGateway(t, next, { STANDIN_LEAK_KEY: '1', JSON_LOGS: 'True' });
      const freshId = (await fresh.inspect()).Id;

      const marker = await until('the reattach marker', () => seen.find((e) => e.stream === 'system' && e.message.includes('recreated')));
      assert.equal(marker.containerId, freshId);
      assert.match(marker.message, new RegExp(`now following ${freshId.slice(0, 12)}.*was ${old.Id.slice(0, 12)}`));
      const leak = await until('the new container’s leak line', () => seen.find((e) => e.containerId === freshId && e.message.includes('cache settings')));
      assert.match(leak.message, /'master_key': '\[REDACTED:pending-master-key\]'/);
      assert.equal(leak.level, 'debug', 'JSON_LOGS line: the level comes from the object');
      assert.ok(seen.some((e) => e.containerId === freshId && e.message === 'Starting LiteLLM proxy (stand-in)' && e.source === 'LiteLLM'));
      await post(t.port, '/__standin/emit', next, { lines: [{ stream: 'stderr', text: `after: ${next}` }] });
      const after = await until('a live line from the new container', () => seen.find((e) => e.message.startsWith('after: ')));
      assert.equal(after.message, 'after: [REDACTED:pending-master-key]');
      assert.ok(seen.some((e) => e.stream === 'system' && /stopped|removed/.test(e.message)), 'the end of the old container is marked');
    } finally {
      ac.abort();
      await following;
      off();
      await core.close();
    }
    assertNoSecret('follow output', JSON.stringify(seen), allKeys);
    assertNoSecret('history and state', readAllFiles(t.home), allKeys);
    // the rotation finishes: the pending key becomes the current one
    await store.set(ACCOUNTS.masterKey, allKeys[1] as string);
    await store.delete(ACCOUNTS.pendingMasterKey);
  });

  test('history survives an app restart and re-reading Docker does not duplicate lines', async () => {
    const core = await Gatehouse.open({ env: t.env });
    try {
      const before = await core.logs.query({ text: 'Starting LiteLLM proxy (stand-in)' });
      assert.ok(before.total >= 2, 'lines from both containers came back from the history');
      const beforeAll = (await core.logs.query({})).total;
      await core.logs.sync();
      await core.logs.sync();
      const again = await core.logs.query({ text: 'Starting LiteLLM proxy (stand-in)' });
      assert.equal(again.total, before.total);
      assert.equal((await core.logs.query({ stream: 'stdout' })).entries.filter((e) => e.message === 'before the rotation').length, 1);
      // at most the "reading the logs of …" marker is new
      assert.ok((await core.logs.query({})).total - beforeAll <= 1);
    } finally {
      await core.close();
    }
  });

  test('CLI: logs with filters and JSON, invalid regex, export, warnings with ack kept across runs', async () => {
    const warnJson = await runCli(['logs', '--level', 'warning', '--json'], t.env);
    assert.equal(warnJson.code, 0, warnJson.stderr);
    const lines = warnJson.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogEntry);
    assert.ok(lines.length > 0);
    assert.ok(lines.every((e) => ['warning', 'error', 'critical'].includes(e.level)));

    const grep = await runCli(['logs', '--grep', 'Uvicorn running on .*4000', '--since', '1h'], t.env);
    assert.equal(grep.code, 0, grep.stderr);
    assert.match(grep.stdout, /INFO\s+uvicorn: Uvicorn running on http:\/\/0\.0\.0\.0:4000/);

    const bad = await runCli(['logs', '--grep', 'a(b'], t.env);
    assert.equal(bad.code, 2, 'a bad regex is a usage error');
    assert.match(bad.stderr, /not a valid regular expression/);
    assert.match(bad.stderr, /INVALID_REGEX/);

    const exportFile = path.join(t.home, 'export.jsonl');
    const exp = await runCli(['logs', '--export', exportFile, '--format', 'jsonl'], t.env);
    assert.equal(exp.code, 0, exp.stderr);
    assert.match(exp.stdout, /Exported \d+ entries/);
    assert.ok(fs.readFileSync(exportFile, 'utf8').includes('[REDACTED:'));

    const w = await runCli(['warnings', '--json'], t.env);
    assert.equal(w.code, 0, w.stderr);
    const groups = JSON.parse(w.stdout) as { id: string; pattern: string; acknowledged: boolean; count: number }[];
    const router = groups.find((g) => g.pattern.includes('deployments without rpm/tpm'));
    assert.ok(router);
    assert.ok(router.count >= 1);
    const ack = await runCli(['warnings', '--ack', router.id], t.env);
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(ack.stdout, new RegExp(`Acknowledged ${router.id}`));
    const again = JSON.parse((await runCli(['warnings', '--json'], t.env)).stdout) as typeof groups;
    assert.equal(again.find((g) => g.id === router.id)?.acknowledged, true, 'the acknowledgement is kept across runs');
    const state = JSON.parse(fs.readFileSync(path.join(t.home, 'state.json'), 'utf8')) as { warnings: { acks: Record<string, string> } };
    assert.ok(state.warnings.acks[router.id]);
    const unknown = await runCli(['warnings', '--ack', 'nope'], t.env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /NOT_FOUND/);

    for (const r of [warnJson, grep, bad, exp, w, ack]) assertNoSecret('CLI output', r.stdout + r.stderr, allKeys);
    assertNoSecret('history, state and export', readAllFiles(t.home), allKeys);
  });

  test('CLI: logs --follow keeps streaming across a recreated container, with a marker line', async () => {
    const cmd = [process.execPath, '--import', 'tsx', path.join(ROOT, 'electron', 'cli', 'main.ts'), 'logs', '--follow', '--since', '1m'];
    const child = spawn(cmd[0] as string, cmd.slice(1), { cwd: ROOT, env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const current = allKeys[1] as string;
      await post(t.port, '/__standin/emit', current, { lines: [{ stream: 'stdout', text: 'cli follow one' }] });
      await until('the CLI to print a live line', () => out.includes('cli follow one'), 30_000);
      const [old] = await docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${t.stack}`] } });
      await docker.getContainer((old as Docker.ContainerInfo).Id).remove({ force: true });
      await createGateway(t, current, {});
      await post(t.port, '/__standin/emit', current, { lines: [{ stream: 'stdout', text: 'cli follow two' }] });
      await until('the CLI to reattach', () => /system\s+INFO\s+gatehouse: Gateway container recreated/.test(out) && out.includes('cli follow two'), 30_000);
    } finally {
      child.kill('SIGINT');
    }
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    assert.equal(code, 0, err);
    assertNoSecret('CLI follow output', out + err, allKeys);
  });

  test('follow reconnects when Docker comes back, reads what was printed meanwhile, and stores nothing twice', async () => {
    // Docker "goes away" by closing a socket proxy in front of the real engine: dockerd itself
    // is shared and never stopped by a test.
    const sock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gh-logs-proxy-')), 'docker.sock');
    const proxy = dockerProxy(sock);
    await proxy.up();
    const core = await Gatehouse.open({ env: { ...t.env, DOCKER_HOST: `unix://${sock}` } });
    const seen: LogEntry[] = [];
    const off = core.events.on('logs:appended', (entries) => seen.push(...entries));
    const ac = new AbortController();
    const following = core.logs.follow({ signal: ac.signal, minBackoffMs: 100, recheckMs: 1000 });
    const current = allKeys[1] as string;
    try {
      await post(t.port, '/__standin/emit', current, { lines: [{ stream: 'stdout', text: 'proxy one' }] });
      await until('a line through the proxy', () => seen.some((e) => e.message === 'proxy one'));
      await proxy.down();
      await until('the lost-Docker marker', () => seen.some((e) => e.stream === 'system' && e.level === 'warning' && /not reachable/.test(e.message)), 10_000);
      await post(t.port, '/__standin/emit', current, { lines: [{ stream: 'stderr', text: 'printed during the outage' }] });
      await new Promise((r) => setTimeout(r, 500));
      await proxy.up();
      await until('the reconnect marker', () => seen.some((e) => e.stream === 'system' && /reachable again/.test(e.message)), 20_000);
      await until('the line printed during the outage', () => seen.some((e) => e.message === 'printed during the outage'), 20_000);
      const page = await core.logs.query({ text: 'proxy one' });
      assert.equal(page.total, 1, 'the re-read after the reconnect stored nothing twice');
    } finally {
      ac.abort();
      await following;
      off();
      await core.close();
      await proxy.down().catch(() => undefined);
      fs.rmSync(path.dirname(sock), { recursive: true, force: true });
    }
  });

  test('Docker unreachable: sync says so; follow marks it and keeps retrying until cancelled', async () => {
    const env = { ...t.env, DOCKER_HOST: 'unix:///nonexistent.sock' };
    const core = await Gatehouse.open({ env });
    try {
      await assert.rejects(core.logs.sync(), (e: unknown) => isGatehouseError(e, 'DOCKER_UNREACHABLE') && /nonexistent\.sock/.test(e.message));
      const seen: LogEntry[] = [];
      const off = core.events.on('logs:appended', (entries) => seen.push(...entries));
      const ac = new AbortController();
      const following = core.logs.follow({ signal: ac.signal, minBackoffMs: 100 });
      await until('the lost-Docker marker', () => seen.find((e) => e.stream === 'system' && e.level === 'warning' && /not reachable/.test(e.message)), 10_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(seen.filter((e) => /not reachable/.test(e.message)).length, 1, 'said once, not on every retry');
      ac.abort();
      await following;
      off();
      // the stored history is still there to read
      assert.ok((await core.logs.query({})).total > 0);
    } finally {
      await core.close();
    }
  });

  test('a history folder that cannot be written is reported once; the logs still work in memory', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-logs-badhome-'));
    fs.mkdirSync(path.join(home, 'logs'));
    fs.writeFileSync(path.join(home, 'logs', t.stack), 'not a folder'); // mkdir of the history folder fails
    const core = await Gatehouse.open({ env: { ...t.env, GATEHOUSE_HOME: home } });
    try {
      await core.logs.sync();
      await core.logs.sync();
      const page = await core.logs.query({ text: 'Uvicorn running' });
      assert.ok(page.total >= 1);
      const notes = (await core.logs.query({ stream: 'system', minLevel: 'warning' })).entries;
      assert.equal(notes.filter((e) => /Writing the log history under .* failed \((EEXIST|ENOTDIR)\)/.test(e.message)).length, 1, JSON.stringify(notes));
    } finally {
      await core.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('clear empties buffer and history, and a restart does not bring the cleared lines back from Docker', async () => {
    const core = await Gatehouse.open({ env: t.env });
    try {
      await core.logs.sync();
      assert.ok((await core.logs.query({})).total > 0);
      const countBefore = await core.logs.redactionCount();
      await core.logs.clear();
      assert.equal((await core.logs.query({})).total, 0);
      assert.deepEqual(await core.logs.warnings(), []);
      assert.equal(await core.logs.redactionCount(), countBefore, 'the security finding outlives clearing the view');
    } finally {
      await core.close();
    }
    assert.deepEqual(fs.readdirSync(path.join(t.home, 'logs', t.stack)).filter((f) => f.endsWith('.jsonl')), []);
    const current = allKeys[1] as string;
    await post(t.port, '/__standin/emit', current, { lines: [{ stream: 'stdout', text: 'after the clear' }] });
    const again = await Gatehouse.open({ env: t.env });
    try {
      await until('the new line', async () => {
        await again.logs.sync();
        return (await again.logs.query({ text: 'after the clear' })).total === 1;
      });
      const all = (await again.logs.query({})).entries;
      assert.ok(all.length <= 3, `only what came after the clear: ${all.length} entries`);
      assert.ok(all.every((e) => !/Starting LiteLLM|cli follow|before the rotation|Uvicorn running/.test(e.message)), 'nothing from before the clear');
    } finally {
      await again.close();
    }
  });
});
