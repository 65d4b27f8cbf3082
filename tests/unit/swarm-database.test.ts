/**
 * Swarm mode's database, the parts that need no engine: the wrapper's DATABASE_URL (run for real
 * in dash, bash and busybox sh over every printable ASCII character), the password check before a
 * secret is made, and the database service's spec (pinned, password as a file, dnsrr, stop-first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SETTINGS } from '../../shared/settings-schema';
import { LABELS } from '../../electron/core/engine/labels';
import { isGatehouseError } from '../../electron/core/errors';
import { databaseServiceSpec, planSwarmDatabase } from '../../electron/core/swarm/database-service';
import { WRAPPER_SCRIPT, checkWrapperPassword, databaseWrapperEnv } from '../../electron/core/swarm/wrapper';
import { networkNameFor } from '../../electron/core/swarm/network';
import { secretNameFor } from '../../electron/core/swarm/secrets';

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

function shells(): string[][] {
  const found: string[][] = [];
  for (const [bin, ...args] of [['dash'], ['bash', '--norc', '--noprofile'], ['busybox', 'sh']] as const) {
    for (const dir of (process.env.PATH ?? '').split(':')) {
      if (fs.existsSync(path.join(dir, bin))) {
        found.push([path.join(dir, bin), ...args]);
        break;
      }
    }
  }
  return found;
}

/** Runs the wrapper as the task would, with /run/secrets replaced by a temporary folder; returns the DATABASE_URL its child sees. */
function wrapperUrl(shell: string[], password: string | null): { url: string; leftover: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-wrapper-'));
  try {
    if (password !== null) fs.writeFileSync(path.join(dir, 'POSTGRES_PASSWORD'), password);
    const script = WRAPPER_SCRIPT.replaceAll('/run/secrets/', `${dir}/`);
    const child = 'printf "%s\\n%s" "$DATABASE_URL" "$GATEHOUSE_DATABASE_USER$GATEHOUSE_DATABASE_ADDRESS"';
    const out = execFileSync(shell[0]!, [...shell.slice(1), '-c', script, 'gatehouse-wrapper', '/bin/sh', '-c', child], {
      env: { PATH: process.env.PATH, ...databaseWrapperEnv('t-stack_db') },
    }).toString();
    const [url = '', leftover = ''] = out.split('\n');
    return { url, leftover };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the wrapper builds DATABASE_URL from the password file, every printable ASCII character encoded so it decodes back exactly', () => {
  const found = shells();
  assert.ok(found.length >= 1, 'at least one POSIX shell to run the wrapper in');
  const passwords = [PRINTABLE, 'a'.repeat(64), '0123456789abcdef'.repeat(4), `'"\\%$\`*?[]{}#&;|<>!`, '  spaces  ', '-n', '%41', '@:/?'];
  for (const shell of found) {
    for (const pw of passwords) {
      const { url, leftover } = wrapperUrl(shell, pw);
      const u = new URL(url);
      assert.equal(u.protocol, 'postgresql:');
      assert.equal(u.username, 'llmproxy');
      assert.equal(decodeURIComponent(u.password), pw, `${shell[0]}: ${JSON.stringify(pw)} → ${url}`);
      assert.equal(u.host, 't-stack_db:5432');
      assert.equal(u.pathname, '/litellm');
      assert.equal(leftover, '', 'the helper variables are unset before the image runs');
    }
    // A hex password (what Gatehouse generates) needs no encoding at all.
    assert.equal(wrapperUrl(shell, 'ab'.repeat(32)).url, `postgresql://llmproxy:${'ab'.repeat(32)}@t-stack_db:5432/litellm`);
    assert.equal(wrapperUrl(shell, null).url, '', 'no password file: no DATABASE_URL');
  }
});

test('a password the wrapper cannot encode exactly is refused before any secret is made', () => {
  checkWrapperPassword(PRINTABLE);
  checkWrapperPassword('f'.repeat(64));
  for (const bad of ['pässword', 'line\nbreak', 'tab\there', '', '\u0000']) {
    assert.throws(() => checkWrapperPassword(bad), (e: unknown) => isGatehouseError(e, 'SETTINGS_INVALID') && /printable ASCII/.test((e as Error).message));
  }
});

test('the database service spec: one replica pinned to the node, the password only as a secret file, dnsrr, stop-first', () => {
  const settings = { ...DEFAULT_SETTINGS, stackName: 't-stack', database: { enabled: true, image: 'postgres:16', volume: null } };
  const plan = planSwarmDatabase(settings);
  const password = 'p'.repeat(64);
  const secret = { envName: 'POSTGRES_PASSWORD', name: secretNameFor('t-stack', 'POSTGRES_PASSWORD', password), id: 'sec1' };
  assert.match(secret.name, /^t-stack_postgres_password_[0-9a-f]{12}$/);
  const spec = databaseServiceSpec(plan, secret, 'node123') as unknown as {
    Name: string;
    Labels: Record<string, string>;
    TaskTemplate: { ContainerSpec: { Image: string; Env: string[]; Secrets: { SecretName: string; File: { Name: string; Mode: number; UID: string } }[]; Mounts: { Source: string; Target: string }[]; StopSignal: string; Labels: Record<string, string> }; Placement: { Constraints: string[] }; Networks: { Target: string }[] };
    Mode: { Replicated: { Replicas: number } };
    UpdateConfig: { Order: string };
    EndpointSpec: { Mode: string; Ports?: unknown[] };
  };
  assert.equal(spec.Name, 't-stack_db');
  assert.equal(spec.Labels[LABELS.stack], 't-stack');
  assert.equal(spec.Labels[LABELS.role], 'database');
  assert.equal(spec.TaskTemplate.ContainerSpec.Labels[LABELS.role], undefined, 'the task container carries no role: container-mode code never takes it for its own');
  assert.deepEqual(spec.TaskTemplate.ContainerSpec.Env.sort(), ['POSTGRES_DB=litellm', 'POSTGRES_PASSWORD_FILE=/run/secrets/POSTGRES_PASSWORD', 'POSTGRES_USER=llmproxy']);
  assert.deepEqual(spec.TaskTemplate.ContainerSpec.Secrets.map((s) => [s.SecretName, s.File.Name, s.File.Mode, s.File.UID]), [[secret.name, 'POSTGRES_PASSWORD', 0o400, '0']]);
  assert.deepEqual(spec.TaskTemplate.ContainerSpec.Mounts.map((m) => [m.Source, m.Target]), [['t-stack-db-data', '/var/lib/postgresql/data']]);
  assert.equal(spec.TaskTemplate.ContainerSpec.StopSignal, 'SIGINT');
  assert.deepEqual(spec.TaskTemplate.Placement.Constraints, ['node.id==node123']);
  assert.deepEqual(spec.TaskTemplate.Networks.map((n) => n.Target), [networkNameFor('t-stack')]);
  assert.equal(spec.Mode.Replicated.Replicas, 1);
  assert.equal(spec.UpdateConfig.Order, 'stop-first', 'two PostgreSQL servers never open one data folder');
  assert.equal(spec.EndpointSpec.Mode, 'dnsrr');
  assert.equal(spec.EndpointSpec.Ports, undefined, 'no published port');
  assert.ok(!JSON.stringify(spec).includes(password), 'the password is nowhere in the spec');
  // An adopted volume keeps its name, as in container mode.
  assert.equal(planSwarmDatabase({ ...settings, database: { ...settings.database, volume: 'seed_postgres_data' } }).volumeName, 'seed_postgres_data');
});
