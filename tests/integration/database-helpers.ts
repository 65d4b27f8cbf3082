/**
 * Plumbing for the database integration tests: the locally built PostgreSQL image, volumes
 * prepared the way the seed's stack would have left them, and HTTP calls to the stand-in's
 * database hook. Volumes made here carry a test label so after() removes exactly them.
 */
import http from 'node:http';
import Docker from 'dockerode';
import { docker } from './stack-helpers';
import { demuxDockerLog } from '../../electron/core/engine/container-logs';

export const PG_IMAGE = 'gatehouse-test/postgres:15';
/** Label on objects a test makes by hand (a "seed" volume is not Gatehouse's, so it has no stack label). */
export const TEST_LABEL = 'io.gatehouse.test-owner';

export function settingsWithDatabase(volume: string | null = null) {
  return { database: { enabled: true, image: PG_IMAGE, volume } };
}

/** One HTTP request to 127.0.0.1 with a hard timeout. */
export function request(port: number, method: string, path: string, key: string | null, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (data) headers['content-type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, timeout: 8000, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from 127.0.0.1:${port}${path} within 8 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

export async function dbPut(port: number, key: string, k: string, v: string): Promise<void> {
  const r = await request(port, 'POST', '/__standin/db', key, { key: k, value: v });
  if (r.status !== 200) throw new Error(`POST /__standin/db answered ${r.status}: ${r.body}`);
}

export async function dbGet(port: number, key: string, k: string): Promise<string | null> {
  const r = await request(port, 'GET', `/__standin/db?key=${encodeURIComponent(k)}`, key);
  if (r.status !== 200) throw new Error(`GET /__standin/db answered ${r.status}: ${r.body}`);
  return (JSON.parse(r.body) as { value: string | null }).value;
}

export async function readiness(port: number): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await request(port, 'GET', '/health/readiness', null);
  return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
}

export async function createTestVolume(name: string, owner: string): Promise<void> {
  await docker.createVolume({ Name: name, Labels: { [TEST_LABEL]: owner } });
}

export async function removeTestObjects(owner: string): Promise<void> {
  const filters = { label: [`${TEST_LABEL}=${owner}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
}

/** Runs a command in a container and returns its exit code and output (bounded in time). */
export async function execIn(container: Docker.Container, cmd: string[], env: string[] = []): Promise<{ code: number | null; output: string }> {
  const exec = await container.exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & { destroy(): void };
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => (stream.destroy(), resolve()), 20_000);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => (clearTimeout(t), resolve()));
    stream.on('error', () => (clearTimeout(t), resolve()));
  });
  const info = await exec.inspect();
  return { code: info.ExitCode ?? null, output: demuxDockerLog(Buffer.concat(chunks)).map((f) => f.text).join('') };
}

/** Waits until Docker reports the container healthy (its pg_isready HEALTHCHECK), bounded. */
export async function waitHealthy(container: Docker.Container, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await container.inspect();
    if (!info.State.Running) throw new Error(`container exited with ${info.State.ExitCode}`);
    if (info.State.Health?.Status === 'healthy') return;
    if (Date.now() > deadline) throw new Error('container did not become healthy in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Makes a volume the way the seed's compose stack leaves it: a PostgreSQL data folder for user
 * llmproxy / database litellm with `password`, holding the stand-in's table with `rows`.
 */
export async function makeSeedVolume(name: string, owner: string, password: string, rows: Record<string, string>): Promise<void> {
  await createTestVolume(name, owner);
  const c = await docker.createContainer({
    Image: PG_IMAGE,
    Env: [`POSTGRES_PASSWORD=${password}`, 'POSTGRES_USER=llmproxy', 'POSTGRES_DB=litellm'],
    Labels: { [TEST_LABEL]: owner },
    HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/var/lib/postgresql/data' }] },
  });
  try {
    await c.start();
    await waitHealthy(c);
    const values = Object.entries(rows)
      .map(([k, v]) => `('${k.replace(/'/g, "''")}', '${v.replace(/'/g, "''")}')`)
      .join(', ');
    const sql = `CREATE TABLE gatehouse_standin_kv (k text PRIMARY KEY, v text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now()); INSERT INTO gatehouse_standin_kv (k, v) VALUES ${values};`;
    const r = await execIn(c, ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', 'llmproxy', '-d', 'litellm', '-c', sql]);
    if (r.code !== 0) throw new Error(`seeding the volume failed: ${r.output}`);
    await c.stop({ t: 20 });
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}
