import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { DEFAULT_SETTINGS } from '../../electron/core/settings';
import {
  databaseCreateOptions,
  databaseGatewayEnv,
  databasePlanDifferences,
  databaseUrl,
  planDatabase,
} from '../../electron/core/services/database-plan';
import { describeDatabaseStatus, parseReadiness } from '../../electron/core/services/database-status';
import { LABELS } from '../../electron/core/engine/labels';

const settings = { ...DEFAULT_SETTINGS, stackName: 'demo', database: { enabled: true, image: 'postgres:16', volume: null } };
// A made-up password with every character that needs percent-encoding in a URL.
const PW = 'p@ss:w/rd?#%';

function inspectInfo(over: { running?: boolean; restarting?: boolean; exitCode?: number; status?: string; health?: string; volume?: string; image?: string; labels?: Record<string, string>; env?: string[]; startedAt?: string }): Docker.ContainerInspectInfo {
  return {
    Id: 'c1',
    Name: '/demo-db',
    Image: 'sha256:abc',
    RestartCount: 0,
    State: {
      Status: over.status ?? (over.running === false ? 'exited' : 'running'),
      Running: over.running ?? true,
      Restarting: over.restarting ?? false,
      OOMKilled: false,
      ExitCode: over.exitCode ?? 0,
      Error: '',
      StartedAt: over.startedAt ?? '2026-01-01T00:00:00Z',
      Health: over.health ? { Status: over.health, FailingStreak: 0, Log: [] } : undefined,
    },
    Config: { Image: over.image ?? 'postgres:16', Labels: over.labels ?? {}, Env: over.env ?? [] },
    HostConfig: { NetworkMode: 'demo-net' },
    Mounts: [{ Type: 'volume', Name: over.volume ?? 'demo-db-data', Destination: '/var/lib/postgresql/data' }],
  } as unknown as Docker.ContainerInspectInfo;
}

describe('database plan', () => {
  test('names follow the stack; the default volume is <stack>-db-data, an adopted one is used by name', () => {
    const p = planDatabase(settings);
    assert.equal(p.containerName, 'demo-db');
    assert.equal(p.volumeName, 'demo-db-data');
    assert.equal(p.adopted, false);
    assert.equal(p.networkName, 'demo-net');
    const a = planDatabase({ ...settings, database: { ...settings.database, volume: 'seed_postgres_data' } });
    assert.equal(a.volumeName, 'seed_postgres_data');
    assert.equal(a.adopted, true);
  });

  test('DATABASE_URL is the seed\'s shape, with the password percent-encoded', () => {
    const p = planDatabase(settings);
    const url = databaseUrl(p, PW);
    assert.equal(url, 'postgresql://llmproxy:p%40ss%3Aw%2Frd%3F%23%25@demo-db:5432/litellm');
    assert.equal(decodeURIComponent(new URL(url).password), PW);
    assert.deepEqual(databaseGatewayEnv(p, 'x'), { DATABASE_URL: 'postgresql://llmproxy:x@demo-db:5432/litellm', STORE_MODEL_IN_DB: 'True' });
  });

  test('the container: official image variables, pg_isready health check, stack network, no published port, labelled', () => {
    const o = databaseCreateOptions(planDatabase(settings), 'secret-pw');
    assert.deepEqual(o.Env?.sort(), ['POSTGRES_DB=litellm', 'POSTGRES_PASSWORD=secret-pw', 'POSTGRES_USER=llmproxy']);
    assert.equal(o.Labels?.[LABELS.stack], 'demo');
    assert.equal(o.Labels?.[LABELS.role], 'database');
    assert.ok(!JSON.stringify(o.Labels).includes('secret-pw'), 'labels carry a fingerprint, never the password');
    assert.equal(o.HostConfig?.PortBindings, undefined);
    assert.equal(o.ExposedPorts, undefined);
    assert.equal(o.HostConfig?.NetworkMode, 'demo-net');
    assert.deepEqual(o.HostConfig?.Mounts, [{ Type: 'volume', Source: 'demo-db-data', Target: '/var/lib/postgresql/data' }]);
    assert.match(o.Healthcheck?.Test?.[1] ?? '', /^pg_isready .*-U llmproxy -d litellm/);
    assert.equal(o.StopSignal, 'SIGINT');
  });

  test('differences: image, volume and a changed password mean recreate; the same plan does not', () => {
    const p = planDatabase(settings);
    const o = databaseCreateOptions(p, 'pw1');
    const labels = o.Labels as Record<string, string>;
    const env = o.Env as string[];
    assert.deepEqual(databasePlanDifferences(p, inspectInfo({ labels, env }), 'pw1'), []);
    assert.match(databasePlanDifferences(p, inspectInfo({ labels, env }), 'pw2').join(), /password/);
    assert.match(databasePlanDifferences(p, inspectInfo({ labels, env, volume: 'other' }), 'pw1').join(), /data volume is other/);
    assert.match(databasePlanDifferences(p, inspectInfo({ labels, env, image: 'postgres:15' }), 'pw1').join(), /image is postgres:15/);
  });
});

describe('database status', () => {
  const plan = planDatabase(settings);
  const none = { transient: null, death: null, gateway: null };

  test('absent, stopped, crashed, starting, unhealthy, healthy', () => {
    assert.equal(describeDatabaseStatus({ plan, container: null, ...none }).state, 'absent');
    assert.equal(describeDatabaseStatus({ plan, container: inspectInfo({ running: false, exitCode: 0 }), ...none }).state, 'stopped');
    const crashed = describeDatabaseStatus({ plan, container: inspectInfo({ running: false, exitCode: 1 }), ...none });
    assert.equal(crashed.state, 'crashed');
    assert.match(crashed.detail ?? '', /code 1/);
    assert.equal(describeDatabaseStatus({ plan, container: inspectInfo({ restarting: true, exitCode: 137 }), ...none }).state, 'crashed');
    assert.equal(describeDatabaseStatus({ plan, container: inspectInfo({ health: 'starting' }), ...none }).state, 'starting');
    assert.equal(describeDatabaseStatus({ plan, container: inspectInfo({ health: 'unhealthy' }), ...none }).state, 'unhealthy');
    const ok = describeDatabaseStatus({ plan, container: inspectInfo({ health: 'healthy' }), ...none, gateway: { connected: true, error: null } });
    assert.deepEqual([ok.state, ok.connected, ok.volume, ok.detail], ['healthy', true, 'demo-db-data', null]);
  });

  test('a death seen in the events is "crashed" until the restarted database is healthy', () => {
    const death = { containerId: 'c1', exitCode: 137, at: Date.now() };
    const s = describeDatabaseStatus({ plan, container: inspectInfo({ health: 'starting' }), transient: null, death, gateway: null });
    assert.equal(s.state, 'crashed');
    assert.match(s.detail ?? '', /code 137/);
    assert.equal(describeDatabaseStatus({ plan, container: inspectInfo({ health: 'healthy' }), transient: null, death, gateway: null }).state, 'healthy');
  });

  test('the gateway\'s word on the connection shows as connected and detail', () => {
    const s = describeDatabaseStatus({ plan, container: inspectInfo({ health: 'healthy' }), transient: null, death: null, gateway: { connected: false, error: 'password authentication failed for user "llmproxy"' } });
    assert.equal(s.connected, false);
    assert.match(s.detail ?? '', /password authentication failed/);
  });

  test('readiness bodies: LiteLLM\'s "connected", "Not connected", and bodies without a db field', () => {
    assert.deepEqual(parseReadiness(200, '{"status":"healthy","db":"connected"}'), { connected: true, error: null });
    assert.deepEqual(parseReadiness(503, '{"status":"unhealthy","db":"Not connected","error":"boom"}'), { connected: false, error: 'boom' });
    assert.match(parseReadiness(200, '{"status":"healthy","db":"Not connected"}')?.error ?? '', /Not connected/);
    assert.equal(parseReadiness(200, '{"status":"healthy"}'), null);
    assert.equal(parseReadiness(200, 'not json'), null);
  });
});
