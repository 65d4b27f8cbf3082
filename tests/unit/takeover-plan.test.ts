/**
 * The takeover plan from what detection found: port and exposure, environment carried into
 * extraEnv (never a secret, never the image's own), mounts, volumes, secrets with the running
 * value winning, the salt key rule; and the printed plan holds no secret value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComposeGateway } from '../../shared/takeover';
import type { ContainerDetails } from '../../electron/core/engine/types';
import type { DetectedProject } from '../../electron/core/takeover/detect';
import { planTakeover } from '../../electron/core/takeover/plan';
import { formatTakeoverPlan } from '../../electron/cli/adopt-commands';
import { settingsSchema, DEFAULT_SETTINGS } from '../../shared/settings-schema';
import { isGatehouseError } from '../../electron/core/errors';

const KEY = 'sk-running-0123456789abcdef0123456789abcdef';
const PW = 'pg-pass-9f8e7d6c5b4a';

function found(over: Partial<ComposeGateway> = {}, values: DetectedProject['values'] = {}, gatewayEnv: Record<string, string> = {}): DetectedProject {
  const info: ComposeGateway = {
    project: 'seed',
    workingDir: '/home/me/seed',
    configFiles: ['/home/me/seed/docker-compose.yml'],
    envFile: '/home/me/seed/.env',
    envFileProblem: null,
    services: [
      { service: 'litellm', containerId: 'gw', containerName: 'seed_litellm_1', image: 'ghcr.io/cabinlab/litellm-claude-code:latest', state: 'running', role: 'gateway', ports: [{ hostIp: '0.0.0.0', hostPort: 4000, containerPort: 4000 }], volumes: [{ name: 'seed_claude-auth', target: '/home/claude/.claude', holdsClaudeLogin: true }], binds: [{ source: '/home/me/seed/config', target: '/app/config', readOnly: true }], restartPolicy: 'unless-stopped' },
      { service: 'db', containerId: 'db', containerName: 'seed_db_1', image: 'postgres:16', state: 'running', role: 'database', ports: [], volumes: [{ name: 'seed_postgres_data', target: '/var/lib/postgresql/data', holdsClaudeLogin: false }], binds: [], restartPolicy: 'unless-stopped' },
    ],
    gatewayService: 'litellm',
    databaseService: 'db',
    running: true,
    port: 4000,
    interfaces: ['0.0.0.0'],
    claudeVolume: 'seed_claude-auth',
    claudeLoginPresent: true,
    databaseVolume: 'seed_postgres_data',
    secrets: [
      { name: 'LITELLM_MASTER_KEY', places: ['container seed_litellm_1 (environment)', '/home/me/seed/.env'], differs: true },
      { name: 'POSTGRES_PASSWORD', places: ['container seed_db_1 (environment)', '/home/me/seed/.env'], differs: false },
    ],
    ...over,
  };
  return {
    info,
    gateway: { Config: { Image: 'ghcr.io/cabinlab/litellm-claude-code:latest' } } as unknown as ContainerDetails,
    database: { Config: { Image: 'postgres:16' } } as unknown as ContainerDetails,
    values: { LITELLM_MASTER_KEY: KEY, POSTGRES_PASSWORD: PW, DATABASE_URL: `postgresql://llmproxy:${PW}@db:5432/litellm`, ...values },
    gatewayEnv: {
      PATH: '/usr/bin',
      HOME: '/home/claude',
      LITELLM_MASTER_KEY: KEY,
      DATABASE_URL: `postgresql://llmproxy:${PW}@db:5432/litellm`,
      STORE_MODEL_IN_DB: 'True',
      LITELLM_LOG: 'INFO',
      OPENAI_API_KEY: 'sk-proj-abcdefabcdefabcdefabcdef',
      ...gatewayEnv,
    },
  };
}

const IMAGE_ENV = { PATH: '/usr/bin', HOME: '/home/claude' };

test('the seed: port kept, 127.0.0.1 with who loses access, env, mounts, volumes, salt from the master key', () => {
  const d = planTakeover(found(), IMAGE_ENV, { scrub: false, keepExposure: false });
  assert.equal(d.plan.port, 4000);
  assert.equal(d.plan.bindAddress, '127.0.0.1');
  assert.match(d.plan.exposureLoss ?? '', /Other machines .* lose access/);
  assert.deepEqual(d.plan.extraEnv, { LITELLM_LOG: 'INFO', STORE_MODEL_IN_DB: 'True' });
  assert.deepEqual(d.plan.skippedEnv.map((s) => s.name), ['OPENAI_API_KEY']);
  assert.deepEqual(d.settings.mounts, [{ source: '/home/me/seed/config', target: '/app/config', readOnly: true }]);
  assert.equal(d.settings.credentialsVolume, 'seed_claude-auth');
  assert.deepEqual(d.settings.database, { enabled: true, image: 'postgres:16', volume: 'seed_postgres_data' });
  assert.deepEqual(d.secrets, { LITELLM_MASTER_KEY: KEY, POSTGRES_PASSWORD: PW, LITELLM_SALT_KEY: KEY });
  assert.equal(d.plan.saltFromMasterKey, true);
  assert.ok(d.plan.warnings.some((w) => /LITELLM_MASTER_KEY .* differs .* running value is taken/.test(w)));
  // What it saves passes the one settings schema.
  const merged = { ...DEFAULT_SETTINGS, ...d.settings, database: { ...DEFAULT_SETTINGS.database, ...d.settings.database } };
  assert.equal(settingsSchema.safeParse(merged).success, true);
});

test('--keep-exposure keeps every interface and says HTTPS is off', () => {
  const d = planTakeover(found(), IMAGE_ENV, { scrub: false, keepExposure: true });
  assert.equal(d.plan.bindAddress, '0.0.0.0');
  assert.equal(d.plan.exposureLoss, null);
  assert.ok(d.plan.warnings.some((w) => /tls enable/.test(w)));
});

test('a gateway already on 127.0.0.1 loses nobody', () => {
  const d = planTakeover(found({ interfaces: ['127.0.0.1'] }), IMAGE_ENV, { scrub: false, keepExposure: false });
  assert.equal(d.plan.exposureLoss, null);
  assert.equal(d.plan.bindAddress, '127.0.0.1');
});

test('a salt key of its own is kept; no database: none made up', () => {
  const d = planTakeover(found({}, { LITELLM_SALT_KEY: 'salt-of-its-own-123456' }), IMAGE_ENV, { scrub: false, keepExposure: false });
  assert.equal(d.secrets.LITELLM_SALT_KEY, 'salt-of-its-own-123456');
  assert.equal(d.plan.saltFromMasterKey, false);
  const alone = found({ databaseVolume: null, services: found().info.services.slice(0, 1) }, { POSTGRES_PASSWORD: undefined, DATABASE_URL: undefined });
  alone.database = null;
  const a = planTakeover(alone, IMAGE_ENV, { scrub: false, keepExposure: false });
  assert.equal(a.secrets.LITELLM_SALT_KEY, undefined);
  assert.deepEqual(a.settings.database, { enabled: false });
});

test('refusals: no key, a key without sk-, no published port, a database without its password', () => {
  const refuse = (d: DetectedProject, re: RegExp) =>
    assert.throws(() => planTakeover(d, IMAGE_ENV, { scrub: false, keepExposure: false }), (e: unknown) => isGatehouseError(e, 'TAKEOVER_FAILED') && re.test(e.message));
  refuse(found({}, { LITELLM_MASTER_KEY: undefined }), /no LITELLM_MASTER_KEY/);
  refuse(found({}, { LITELLM_MASTER_KEY: 'plain-key-1234567890' }), /does not start with "sk-"/);
  refuse(found({ port: null }), /publishes no port/);
  refuse(found({}, { POSTGRES_PASSWORD: undefined }), /no POSTGRES_PASSWORD/);
});

test('the printed plan names where secrets are, never their values', () => {
  const d = planTakeover(found(), IMAGE_ENV, { scrub: true, keepExposure: false });
  const text = formatTakeoverPlan(d.plan);
  assert.ok(!text.includes(KEY) && !text.includes(PW));
  assert.match(text, /LITELLM_MASTER_KEY \(into the keychain; now in container seed_litellm_1 \(environment\), \/home\/me\/seed\/\.env; running value differs, it is taken\)/);
  assert.match(text, /scrubbed at the end \(--scrub\)/);
  assert.match(text, /seed_litellm_1, seed_db_1: stopped, removed once/);
});
