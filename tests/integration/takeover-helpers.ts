/**
 * A seed stack as its users run it: tests/fixtures/seed-compose copied to a temporary folder with
 * a .env, brought up by Debian's docker-compose under a unique project name on a free port, a
 * Claude login in its volume and a row in its database. Cleanup is `docker-compose down` without
 * -v, then this project's two volumes removed by name, last.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tarArchive } from '../../electron/core/tls/container-files';
import { COMPOSE_LABELS } from '../../electron/core/takeover/detect';
import { ROOT, docker, freePort, rand, runCommand } from './stack-helpers';
import { dbPut, request } from './database-helpers';

const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'seed-compose');

export interface SeedCompose {
  project: string;
  dir: string;
  port: number;
  masterKey: string;
  pgPassword: string;
  claudeToken: string;
  volumes: string[];
  compose(args: string[], timeoutMs?: number): ReturnType<typeof runCommand>;
  containers(): Promise<Awaited<ReturnType<typeof docker.listContainers>>>;
  /** Until the gateway answers 200 with the master key. */
  waitForKey(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** `bootMs`: how long the stand-in gateway takes to boot (a slow one makes a short start timeout fail). */
export async function seedCompose(bootMs = 1500): Promise<SeedCompose> {
  const project = `ghtakeover${rand()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-takeover-seed-'));
  const masterKey = `sk-${crypto.randomBytes(24).toString('hex')}`;
  const pgPassword = crypto.randomBytes(18).toString('base64url');
  const claudeToken = `sk-ant-oat01-${crypto.randomBytes(60).toString('base64url')}`;
  const port = await freePort();
  const composeEnv = { ...process.env, GATEHOUSE_TEST_PORT: String(port), POSTGRES_PASSWORD: pgPassword };
  fs.cpSync(FIXTURE, dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, '.env'),
    [
      `LITELLM_MASTER_KEY=${masterKey}`,
      `POSTGRES_PASSWORD=${pgPassword}`,
      `DATABASE_URL=postgresql://llmproxy:${pgPassword}@db:5432/litellm`,
      `CLAUDE_CODE_OAUTH_TOKEN=${claudeToken}`,
      'STORE_MODEL_IN_DB=True',
      'LITELLM_LOG=INFO',
      `STANDIN_BOOT_MS=${bootMs}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const compose = (args: string[], timeoutMs = 120_000) => runCommand(['docker-compose', '-p', project, '-f', path.join(dir, 'docker-compose.yml'), ...args], composeEnv, timeoutMs, `docker-compose ${args.join(' ')}`);
  const containers = () => docker.listContainers({ all: true, filters: { label: [`${COMPOSE_LABELS.project}=${project}`] } });
  const waitForKey = async (ms: number) => {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const r = await request(port, 'GET', '/v1/models', masterKey);
        if (r.status === 200) return;
        last = String(r.status);
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no 200 with the key on ${port} within ${ms} ms (${last})`);
  };
  const volumes = [`${project}_claude-auth`, `${project}_postgres_data`];
  const seed: SeedCompose = {
    project,
    dir,
    port,
    masterKey,
    pgPassword,
    claudeToken,
    volumes,
    compose,
    containers,
    waitForKey,
    async cleanup() {
      // Never -v: the volumes are removed by name, after everything else.
      await compose(['down'], 60_000).catch(() => undefined);
      for (const v of volumes) await docker.getVolume(v).remove().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const up = await compose(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  await waitForKey(90_000);
  // The Claude login, as `claude login` inside the seed container would have left it.
  const gw = (await containers()).find((c) => c.Labels[COMPOSE_LABELS.service] === 'litellm');
  assert.ok(gw);
  await docker.getContainer(gw.Id).putArchive(tarArchive([{ name: '.credentials.json', content: '{"claudeAiOauth":{"accessToken":"x"}}', mode: 0o600, uid: 1000, gid: 1000 }]), { path: '/home/claude/.claude' });
  // PostgreSQL's first start (initdb) may still be under way.
  for (let i = 0; ; i++) {
    try {
      await dbPut(port, masterKey, 'seed-row', 'kept');
      break;
    } catch (err) {
      if (i > 120) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return seed;
}
