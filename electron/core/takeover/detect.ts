import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BindMount } from '../../../shared/api';
import type { ComposeGateway, ComposeServiceInfo, ComposeVolumeMount, PublishedPort, SecretLocation, TakeoverSecretName } from '../../../shared/takeover';
import { LABELS } from '../engine/labels';
import type { ContainerDetails, DockerEngine } from '../engine/types';
import { envValue, parseEnvFile } from '../secrets/env-file';
import { CLAUDE_HOME, GATEWAY_PORT } from '../services/gateway-plan';
import { PG_DATA_DIR } from '../services/database-plan';

/** Compose's own labels on every container it creates. */
export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
} as const;

/** The seed's image (any tag or registry mirror of it). */
const SEED_IMAGE = /(^|\/)litellm-claude-code(:|@|$)/;
const CREDENTIALS_FILE = '.credentials.json';
const SECRET_NAMES: TakeoverSecretName[] = ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'POSTGRES_PASSWORD', 'DATABASE_URL'];

/** A detected project with the secret values it found: kept in the core, never sent out (see `publicView`). */
export interface DetectedProject {
  info: ComposeGateway;
  gateway: ContainerDetails;
  database: ContainerDetails | null;
  /** The value each secret will take: the running container's, else the .env's. */
  values: Partial<Record<TakeoverSecretName, string>>;
  /** The gateway container's environment (running values), image defaults included. */
  gatewayEnv: Record<string, string>;
}

export function envMap(env: readonly string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of env ?? []) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function isGatewayContainer(c: ContainerDetails): boolean {
  return SEED_IMAGE.test(c.Config.Image) || 'LITELLM_MASTER_KEY' in envMap(c.Config.Env);
}

function isDatabaseContainer(c: ContainerDetails): boolean {
  return (c.Mounts ?? []).some((m) => m.Destination === PG_DATA_DIR) || /(^|\/)postgres(:|@|$)/.test(c.Config.Image);
}

function publishedPorts(c: ContainerDetails): PublishedPort[] {
  const out: PublishedPort[] = [];
  // HostConfig says what was asked for; it holds for a stopped container too (NetworkSettings does not).
  for (const [key, bindings] of Object.entries(c.HostConfig.PortBindings ?? {})) {
    const containerPort = Number(key.split('/')[0]);
    for (const b of (bindings ?? []) as { HostIp?: string; HostPort?: string }[]) {
      const hostPort = Number(b.HostPort);
      if (Number.isInteger(hostPort) && hostPort > 0) out.push({ hostIp: b.HostIp || '0.0.0.0', hostPort, containerPort });
    }
  }
  return out;
}

function bindMounts(c: ContainerDetails): BindMount[] {
  return (c.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => ({ source: m.Source, target: m.Destination, readOnly: !m.RW }));
}

/** Whether a file exists in a container's file system (its volumes included), through the archive API: nothing is started. */
async function hasFile(engine: DockerEngine, containerId: string, file: string, signal?: AbortSignal): Promise<boolean> {
  try {
    return (await engine.statPath(containerId, file, { signal, action: `look for ${file} in a compose container` })) !== null;
  } catch {
    return false;
  }
}

async function volumeMounts(engine: DockerEngine, c: ContainerDetails, signal?: AbortSignal): Promise<ComposeVolumeMount[]> {
  const out: ComposeVolumeMount[] = [];
  for (const m of c.Mounts ?? []) {
    if (m.Type !== 'volume' || !m.Name) continue;
    const holdsClaudeLogin = await hasFile(engine, c.Id, path.posix.join(m.Destination, CREDENTIALS_FILE), signal);
    out.push({ name: m.Name, target: m.Destination, holdsClaudeLogin });
  }
  return out;
}

function describe(c: ContainerDetails, role: ComposeServiceInfo['role'], volumes: ComposeVolumeMount[]): ComposeServiceInfo {
  return {
    service: c.Config.Labels?.[COMPOSE_LABELS.service] ?? c.Name.replace(/^\//, ''),
    containerId: c.Id,
    containerName: c.Name.replace(/^\//, ''),
    image: c.Config.Image,
    state: c.State.Status,
    role,
    ports: publishedPorts(c),
    volumes,
    binds: bindMounts(c),
    restartPolicy: c.HostConfig.RestartPolicy?.Name ?? 'no',
  };
}

async function readEnvFile(workingDir: string | null): Promise<{ file: string | null; problem: string | null; values: Record<string, string> }> {
  if (!workingDir) return { file: null, problem: null, values: {} };
  const file = path.join(workingDir, '.env');
  try {
    const parsed = parseEnvFile(await fs.readFile(file, 'utf8'));
    const values: Record<string, string> = {};
    for (const e of parsed.entries) {
      const v = envValue(parsed, e.name);
      if (v !== undefined) values[e.name] = v;
    }
    return { file, problem: null, values };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { file: null, problem: null, values: {} };
    return { file: null, problem: `${file} could not be read (${code ?? (err as Error).message})`, values: {} };
  }
}

/**
 * Finds the compose projects whose containers run a LiteLLM gateway (the seed's image, or any
 * container whose environment holds LITELLM_MASTER_KEY), by Compose's labels. Looks only: the
 * Claude login is found through the archive API of the existing containers, which starts nothing.
 * Gatehouse's own containers are never counted.
 */
export async function detectComposeGateways(engine: DockerEngine, signal?: AbortSignal): Promise<DetectedProject[]> {
  const list = await engine.listContainers({ label: [COMPOSE_LABELS.project] }, { signal, action: 'list compose containers' });
  const byProject = new Map<string, ContainerDetails[]>();
  for (const s of list) {
    if (s.Labels?.[LABELS.stack]) continue;
    const info = await engine.inspectContainer(s.Id, { signal, action: 'inspect a compose container' });
    if (!info) continue;
    const project = info.Config.Labels?.[COMPOSE_LABELS.project];
    if (!project) continue;
    byProject.set(project, [...(byProject.get(project) ?? []), info]);
  }
  const found: DetectedProject[] = [];
  for (const [project, containers] of [...byProject].sort(([a], [b]) => a.localeCompare(b))) {
    const gateway = containers.find(isGatewayContainer);
    if (!gateway) continue;
    const database = containers.find((c) => c !== gateway && isDatabaseContainer(c)) ?? null;
    const labels = gateway.Config.Labels ?? {};
    const workingDir = labels[COMPOSE_LABELS.workingDir] ?? null;
    const services: ComposeServiceInfo[] = [];
    for (const c of containers) {
      const role = c === gateway ? 'gateway' : c === database ? 'database' : 'other';
      services.push(describe(c, role, c === gateway ? await volumeMounts(engine, c, signal) : (c.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => ({ name: m.Name as string, target: m.Destination, holdsClaudeLogin: false }))));
    }
    const gw = services.find((s) => s.role === 'gateway') as ComposeServiceInfo;
    const db = services.find((s) => s.role === 'database') ?? null;
    const published = gw.ports.filter((p) => p.containerPort === GATEWAY_PORT);
    const claude = gw.volumes.find((v) => v.holdsClaudeLogin) ?? gw.volumes.find((v) => v.target === CLAUDE_HOME) ?? null;
    const env = await readEnvFile(workingDir);
    const gatewayEnv = envMap(gateway.Config.Env);
    const dbEnv = envMap(database?.Config.Env);
    const values: DetectedProject['values'] = {};
    const secrets: SecretLocation[] = [];
    for (const name of SECRET_NAMES) {
      const places: string[] = [];
      // The password the database was started with is its own container's; the gateway's URL repeats it.
      const running = name === 'POSTGRES_PASSWORD' ? (dbEnv[name] ?? gatewayEnv[name]) : gatewayEnv[name];
      if (gatewayEnv[name] !== undefined) places.push(`container ${gw.containerName} (environment)`);
      if (name === 'POSTGRES_PASSWORD' && dbEnv[name] !== undefined && db) places.push(`container ${db.containerName} (environment)`);
      if (env.file && env.values[name] !== undefined) places.push(env.file);
      if (!places.length) continue;
      const fromFile = env.values[name];
      const value = running ?? fromFile;
      if (value) values[name] = value;
      secrets.push({ name, places, differs: running !== undefined && fromFile !== undefined && running !== fromFile });
    }
    found.push({
      info: {
        project,
        workingDir,
        configFiles: (labels[COMPOSE_LABELS.configFiles] ?? '').split(',').filter(Boolean),
        envFile: env.file,
        envFileProblem: env.problem,
        services,
        gatewayService: gw.service,
        databaseService: db?.service ?? null,
        running: gateway.State.Running,
        port: published[0]?.hostPort ?? null,
        interfaces: [...new Set(published.map((p) => p.hostIp))],
        claudeVolume: claude?.name ?? null,
        claudeLoginPresent: claude?.holdsClaudeLogin ?? false,
        databaseVolume: database ? ((database.Mounts ?? []).find((m) => m.Destination === PG_DATA_DIR)?.Name ?? null) : null,
        secrets,
      },
      gateway,
      database,
      values,
      gatewayEnv,
    });
  }
  return found;
}
