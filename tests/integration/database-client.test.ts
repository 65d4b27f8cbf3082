/**
 * The stand-in's PostgreSQL client (tests/standin/db.js) against the real PostgreSQL image:
 * SCRAM-SHA-256, md5 and cleartext logins, the simple and extended query protocols, the server's
 * own error for a wrong password, reconnection after a database restart, and the stand-in's
 * readiness reporting an unreachable database as unhealthy with the server's words.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { docker, freePort, rand, ROOT, PLAIN } from './stack-helpers';
import { PG_IMAGE, TEST_LABEL, execIn, readiness, removeTestObjects, waitHealthy } from './database-helpers';

const owner = `t-dbclient-${rand()}`;
const password = crypto.randomBytes(32).toString('hex');
let pg: Docker.Container;
let pgPort = 0;

interface DbModule {
  parseDatabaseUrl(url: string): { user: string; password: string; host: string; port: number; database: string };
  ping(): Promise<void>;
  put(k: string, v: string): Promise<void>;
  get(k: string): Promise<string | null>;
  close(): Promise<void>;
}

const requireHere = createRequire(__filename);
const DB_JS = path.join(ROOT, 'tests', 'standin', 'db.js');

/** A fresh instance of db.js for `url` (it keeps one connection per module instance). */
function loadDb(url: string): DbModule {
  process.env.DATABASE_URL = url;
  delete requireHere.cache[requireHere.resolve(DB_JS)];
  return requireHere(DB_JS) as DbModule;
}

function url(pw: string, user = 'llmproxy'): string {
  return `postgresql://${user}:${encodeURIComponent(pw)}@127.0.0.1:${pgPort}/litellm`;
}

async function psqlAsSuperuser(sql: string): Promise<void> {
  const r = await execIn(pg, ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', 'llmproxy', '-d', 'litellm', '-c', sql]);
  assert.equal(r.code, 0, r.output);
}

/** Rewrites pg_hba.conf to one TCP method and reloads the server. */
async function hba(method: string): Promise<void> {
  const r = await execIn(pg, ['sh', '-c', `printf 'local all all trust\\nhost all all all ${method}\\n' > "$PGDATA/pg_hba.conf"`]);
  assert.equal(r.code, 0, r.output);
  await psqlAsSuperuser('SELECT pg_reload_conf()');
}

before(async () => {
  pgPort = await freePort();
  pg = await docker.createContainer({
    name: `${owner}-pg`,
    Image: PG_IMAGE,
    Env: [`POSTGRES_PASSWORD=${password}`, 'POSTGRES_USER=llmproxy', 'POSTGRES_DB=litellm'],
    Labels: { [TEST_LABEL]: owner },
    ExposedPorts: { '5432/tcp': {} },
    HostConfig: { PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(pgPort) }] } },
  });
  await pg.start();
  await waitHealthy(pg);
});

after(async () => {
  delete process.env.DATABASE_URL;
  await removeTestObjects(owner);
  for (const n of await docker.listNetworks({ filters: { label: [`${TEST_LABEL}=${owner}`] } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
});

describe('db.js: the stand-in\'s PostgreSQL client', () => {
  test('parses DATABASE_URL, percent-encoding included', () => {
    const db = loadDb('postgresql://llmproxy:p%40ss%3Aw%2Frd@db-host:6543/litellm');
    assert.deepEqual(db.parseDatabaseUrl('postgresql://llmproxy:p%40ss%3Aw%2Frd@db-host:6543/litellm'), {
      user: 'llmproxy',
      password: 'p@ss:w/rd',
      host: 'db-host',
      port: 6543,
      database: 'litellm',
    });
    assert.equal(db.parseDatabaseUrl('postgres://u:p@h/d').port, 5432);
    assert.throws(() => db.parseDatabaseUrl('mysql://u:p@h/d'), /expected postgresql/);
    assert.throws(() => db.parseDatabaseUrl('not a url :p@'), (e: Error) => !e.message.includes(':p@'));
  });

  test('SCRAM-SHA-256: ping, put and get (quotes, unicode, missing keys), over one connection', async () => {
    const db = loadDb(url(password));
    try {
      await db.ping();
      const tricky = `it's "quoted"; DROP TABLE x; -- ünïcödé ✓ ${'x'.repeat(5000)}`;
      await db.put('k1', tricky);
      assert.equal(await db.get('k1'), tricky);
      await db.put('k1', 'overwritten');
      assert.equal(await db.get('k1'), 'overwritten');
      assert.equal(await db.get('missing'), null);
      await Promise.all([db.put('a', '1'), db.put('b', '2'), db.ping()]);
      assert.deepEqual(await Promise.all([db.get('a'), db.get('b')]), ['1', '2']);
    } finally {
      await db.close();
    }
  });

  test('a wrong password fails with the server\'s own message, never the password', async () => {
    const wrong = crypto.randomBytes(16).toString('hex');
    const db = loadDb(url(wrong));
    await assert.rejects(db.ping(), (e: Error & { code?: string }) => {
      assert.equal(e.message, 'password authentication failed for user "llmproxy"');
      assert.equal(e.code, '28P01');
      assert.ok(!e.message.includes(wrong));
      return true;
    });
    await db.close();
  });

  test('nothing listening: a connection error naming host and port, quickly', async () => {
    const closed = await freePort();
    const db = loadDb(`postgresql://llmproxy:x@127.0.0.1:${closed}/litellm`);
    const t0 = Date.now();
    await assert.rejects(db.ping(), /could not connect to the database at 127\.0\.0\.1:\d+: ECONNREFUSED/);
    assert.ok(Date.now() - t0 < 3000);
    await db.close();
  });

  test('md5 and cleartext logins, as older servers and pg_hba setups ask for', async () => {
    const md5pw = crypto.randomBytes(12).toString('hex');
    await psqlAsSuperuser(`CREATE ROLE md5user LOGIN PASSWORD NULL`);
    await psqlAsSuperuser(`SET password_encryption = 'md5'; ALTER ROLE md5user PASSWORD '${md5pw}'`);
    await psqlAsSuperuser('GRANT ALL ON SCHEMA public TO md5user');
    try {
      await hba('md5');
      const a = loadDb(url(md5pw, 'md5user'));
      await a.ping();
      await a.close();
      const bad = loadDb(url('nope', 'md5user'));
      await assert.rejects(bad.ping(), /password authentication failed for user "md5user"/);
      await bad.close();
      await hba('password');
      const b = loadDb(url(password));
      await b.ping();
      await b.put('clear', 'text');
      assert.equal(await b.get('clear'), 'text');
      await b.close();
    } finally {
      await hba('scram-sha-256');
    }
  });

  test('reconnects after the database restarts', async () => {
    const db = loadDb(url(password));
    try {
      await db.put('survives', 'restart');
      await pg.restart({ t: 10 });
      await waitHealthy(pg);
      // The old connection is dead; the first call may fail, a later one reconnects.
      let value: string | null = null;
      for (let i = 0; i < 20 && value === null; i++) {
        value = await db.get('survives').catch(() => null);
        if (value === null) await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(value, 'restart');
    } finally {
      await db.close();
    }
  });

  test('the stand-in\'s readiness: "connected" with the right password, unhealthy with the server\'s words otherwise', async () => {
    const net = `${owner}-net`;
    await docker.createNetwork({ Name: net, Labels: { [TEST_LABEL]: owner } });
    await docker.getNetwork(net).connect({ Container: pg.id, EndpointConfig: { Aliases: ['pgtest'] } });
    const key = 'sk-' + crypto.randomBytes(32).toString('hex');
    const run = async (pw: string): Promise<{ status: number; json: Record<string, unknown> }> => {
      const port = await freePort();
      const c = await docker.createContainer({
        Image: PLAIN,
        Env: [`LITELLM_MASTER_KEY=${key}`, `DATABASE_URL=postgresql://llmproxy:${pw}@pgtest:5432/litellm`, 'STANDIN_BOOT_MS=0'],
        Labels: { [TEST_LABEL]: owner },
        ExposedPorts: { '4000/tcp': {} },
        HostConfig: { NetworkMode: net, PortBindings: { '4000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
      });
      await c.start();
      try {
        for (let i = 0; i < 60; i++) {
          try {
            return await readiness(port);
          } catch {
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        throw new Error('the stand-in never answered readiness');
      } finally {
        await c.remove({ force: true });
      }
    };
    const good = await run(password);
    assert.equal(good.status, 200);
    assert.equal(good.json.db, 'connected');
    const bad = await run('wrong-password');
    assert.equal(bad.status, 503);
    assert.equal(bad.json.status, 'unhealthy');
    assert.equal(bad.json.db, 'Not connected');
    assert.equal(bad.json.error, 'password authentication failed for user "llmproxy"');
  });
});
