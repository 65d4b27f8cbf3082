import type { SettingsPatch } from '../../../shared/api';
import { RESERVED_ENV_NAMES, isSecretShapedValue, secretNameReason } from '../../../shared/extra-env-policy';
import type { TakeoverPlan, TakeoverSecretName } from '../../../shared/takeover';
import { GatehouseError } from '../errors';
import type { DetectedProject } from './detect';

export interface TakeoverOptions {
  scrub: boolean;
  keepExposure: boolean;
}

/** The plan shown to the user, and what it writes: the settings change and the keychain values. */
export interface TakeoverDecision {
  plan: TakeoverPlan;
  settings: SettingsPatch;
  /** Keychain values by .env name (LITELLM_MASTER_KEY, …); the running container's win. */
  secrets: Partial<Record<Exclude<TakeoverSecretName, 'DATABASE_URL'>, string>>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const ALL_INTERFACES = new Set(['0.0.0.0', '::', '']);

/**
 * Decides what a takeover does, from what detection found (pure: no Docker, no keychain).
 * `imageEnv`: the environment the gateway's image sets itself (PATH, HOME, …), which is not the
 * user's and is not carried into extraEnv.
 */
export function planTakeover(found: DetectedProject, imageEnv: Record<string, string>, options: TakeoverOptions): TakeoverDecision {
  const info = found.info;
  const master = found.values.LITELLM_MASTER_KEY;
  if (!master) {
    throw new GatehouseError('TAKEOVER_FAILED', `The gateway of the compose project ${info.project} has no LITELLM_MASTER_KEY (neither in its container nor in a readable .env), so its clients' key is unknown.`, 'Set LITELLM_MASTER_KEY in the project\'s .env and restart it with docker-compose, or create a new key with `gatehouse key create`.');
  }
  if (!master.startsWith('sk-')) {
    throw new GatehouseError('TAKEOVER_FAILED', `The LITELLM_MASTER_KEY of the compose project ${info.project} does not start with "sk-", which LiteLLM requires.`, 'Let Gatehouse create a key instead (`gatehouse key create`) and give it to your clients.');
  }
  if (info.port === null) {
    throw new GatehouseError('TAKEOVER_FAILED', `The gateway of the compose project ${info.project} publishes no port for LiteLLM's 4000, so there is no address its clients use to keep.`, 'Publish it in the compose file (ports: "4000:4000"), or start Gatehouse on its own with `gatehouse start`.');
  }
  const warnings: string[] = [];
  const interfaces = info.interfaces.length ? info.interfaces : ['0.0.0.0'];
  const exposed = interfaces.some((i) => !LOOPBACK.has(i));
  const keep = options.keepExposure && exposed;
  const bindAddress = keep ? (interfaces.find((i) => ALL_INTERFACES.has(i)) !== undefined ? '0.0.0.0' : interfaces[0]!) : '127.0.0.1';
  const exposureLoss = exposed && !keep ? `Other machines that reached the gateway at http://<this machine>:${info.port} lose access: Gatehouse listens on 127.0.0.1 only (keep the exposure with --keep-exposure).` : null;
  if (keep) warnings.push(`The gateway stays reachable from other machines on ${bindAddress}:${info.port} over plain HTTP; turn on HTTPS with \`gatehouse tls enable\`.`);

  const extraEnv: Record<string, string> = {};
  const skippedEnv: TakeoverPlan['skippedEnv'] = [];
  for (const [name, value] of Object.entries(found.gatewayEnv).sort(([a], [b]) => a.localeCompare(b))) {
    if (imageEnv[name] === value) continue; // the image's own (PATH, HOME, …)
    if (RESERVED_ENV_NAMES.has(name)) continue; // a secret Gatehouse injects from the keychain, or builds (DATABASE_URL)
    const reason = secretNameReason(name, value) ?? (isSecretShapedValue(value) ? 'its value is shaped like a secret' : null);
    if (reason) {
      skippedEnv.push({ name, reason: `${reason}; not carried over (secrets stay out of settings.json)` });
      continue;
    }
    extraEnv[name] = value;
  }
  for (const s of skippedEnv) warnings.push(`${s.name} was not carried over: ${s.reason}.`);

  const secrets: TakeoverDecision['secrets'] = { LITELLM_MASTER_KEY: master };
  const token = found.values.CLAUDE_CODE_OAUTH_TOKEN;
  if (token) secrets.CLAUDE_CODE_OAUTH_TOKEN = token;
  const pg = found.values.POSTGRES_PASSWORD;
  if (pg) secrets.POSTGRES_PASSWORD = pg;
  const database = found.database && info.databaseVolume ? { image: found.database.Config.Image, volume: info.databaseVolume } : null;
  let saltFromMasterKey = false;
  if (found.values.LITELLM_SALT_KEY) {
    secrets.LITELLM_SALT_KEY = found.values.LITELLM_SALT_KEY;
  } else if (database || found.values.DATABASE_URL) {
    // LiteLLM encrypted the database's stored credentials with the master key: it stays the salt.
    secrets.LITELLM_SALT_KEY = master;
    saltFromMasterKey = true;
  }
  if (database && !pg) {
    throw new GatehouseError('TAKEOVER_FAILED', `The database of the compose project ${info.project} has no POSTGRES_PASSWORD in its container or a readable .env, so Gatehouse could not log in to it.`, 'Make the project\'s .env readable (it holds POSTGRES_PASSWORD), then run `gatehouse adopt` again.');
  }
  for (const s of info.secrets) {
    if (s.differs) warnings.push(`${s.name} in the running container differs from ${info.envFile}; the running value is taken (the one clients use now).`);
  }
  if (!info.claudeLoginPresent) warnings.push(info.claudeVolume ? `The volume ${info.claudeVolume} holds no Claude login (.credentials.json); log in with \`gatehouse claude login\` or set a token after the takeover.` : 'The gateway has no volume for the Claude login; Gatehouse uses its own, empty one.');
  if (info.envFileProblem) warnings.push(info.envFileProblem);
  if (options.scrub && !info.envFile) warnings.push('--scrub: there is no readable .env to scrub.');

  const gatewayInfo = info.services.find((s) => s.role === 'gateway');
  const settings: SettingsPatch = {
    image: found.gateway.Config.Image,
    port: info.port,
    bindAddress,
    extraEnv,
    mounts: gatewayInfo?.binds ?? [],
    credentialsVolume: info.claudeVolume,
    ...(database ? { database: { enabled: true, image: database.image, volume: database.volume } } : { database: { enabled: false } }),
  };
  return {
    plan: {
      project: info.project,
      image: found.gateway.Config.Image,
      port: info.port,
      fromInterfaces: interfaces,
      bindAddress,
      exposureLoss,
      extraEnv,
      skippedEnv,
      mounts: settings.mounts ?? [],
      credentialsVolume: info.claudeVolume,
      claudeLoginPresent: info.claudeLoginPresent,
      database,
      secrets: info.secrets,
      saltFromMasterKey,
      containers: info.services.map((s) => s.containerName),
      envFile: info.envFile,
      scrub: options.scrub && info.envFile !== null,
      warnings,
    },
    settings,
    secrets,
  };
}
