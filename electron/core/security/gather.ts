import type { ChainTestResult } from '../../../shared/clients';
import type { TlsStatus } from '../../../shared/api';
import { gatherTlsFacts } from './tls-facts';
import { trustGateway } from '../tls/trust-registry';
import type { AppHardening, KeyInfo, Settings } from '../../../shared/api';
import { dockerFailure, probeTransportFor } from '../engine/connection';
import { execProbe } from '../services/gateway-probe';
import type { DockerEngine } from '../engine/types';
import { claudeVolumeHasLogin } from '../secrets/claude-token';
import { judgeKeyStrength } from '../secrets/key-strength';
import { ACCOUNTS, type SecretStore } from '../secrets/secret-store';
import { labelFilter } from '../engine/labels';
import { CLAUDE_HOME, GATEWAY_PORT } from '../services/gateway-plan';
import { probeBarrier } from './barrier-probe';
import { endpointFacts } from './docker-socket';
import { lanAddresses, probeHost } from './exposure';
import { activeOverrides } from '../settings';
import type { ClaudeLoginFacts, KeyFacts, LogEngineRedactions, LogLeakFacts, ProbeFacts, SecurityFacts } from './facts';
import { inspectGateway, type InspectedGateway } from './gateway-inspect';
import { probeKeychain } from './keychain-probe';
import { scanContainerLogs } from './log-scan';
import { scanForPlaintextKeys, type SecretToFind } from './plaintext-scan';
import type { SwarmServiceSource } from '../swarm/service-logs';
import { gatherSwarm, noServiceFacts, scanServiceLogs, type SwarmGathered } from './swarm-gather';

/** Where the facts come from; the composition root (gatehouse.ts) provides these. */
export interface SecuritySources {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The effective settings, read fresh (a change made by another process counts). */
  settings(): Promise<Settings>;
  secrets: SecretStore;
  keys: { info(): Promise<KeyInfo>; get(): Promise<string | null> };
  /** What the logs engine has redacted from the gateway's output (core.logs.redactionStats). */
  logRedactions?: () => Promise<LogEngineRedactions | null>;
  /** The desktop app's window hardening; absent or null outside the app. */
  appHardening?: () => AppHardening | null | Promise<AppHardening | null>;
  /** `tls status` (core.tls.status()): the certificate's names and expiry. */
  tlsStatus?: () => Promise<TlsStatus>;
  /** The certificates a client trusts to reach the gateway over HTTPS (core.tls.trust). */
  tlsTrust?: () => Promise<string[] | null>;
  /** The core's one Docker adapter. */
  engine: DockerEngine;
  /** The last end-to-end test's result (core.clients.lastTest), for the Claude-login check. */
  lastChainTest?: () => Promise<ChainTestResult | null>;
  /** The client keys in the keychain (core.clients.keys.allKeys), looked for on disk and in the logs like the master key. */
  clientKeys?: () => Promise<string[]>;
  /** Swarm mode (settings.target "swarm"): the gateway's service, whose spec and tasks are checked instead of a container. */
  swarm?: SwarmServiceSource;
}

/** Every Docker step is bounded: a TCP endpoint that swallows packets must not stall the checks. */
const DOCKER_TIMEOUT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function keyFacts(sources: SecuritySources, keychainOk: boolean): Promise<{ facts: KeyFacts; key: string | null }> {
  if (!keychainOk) return { facts: { info: null, strength: null }, key: null };
  try {
    const key = await sources.keys.get();
    const info = await sources.keys.info();
    return { facts: { info, strength: key ? judgeKeyStrength(key) : null }, key };
  } catch {
    return { facts: { info: null, strength: null }, key: null };
  }
}

async function secretOrNull(secrets: SecretStore, account: string, keychainOk: boolean): Promise<string | null | undefined> {
  if (!keychainOk) return undefined;
  try {
    return await secrets.get(account);
  } catch {
    return undefined;
  }
}

/** Every keychain secret the disk scan looks for, by kind (values that could not be read are left out). */
function plaintextTargets(pairs: [SecretToFind['kind'], string | null | undefined][]): SecretToFind[] {
  const out: SecretToFind[] = [];
  for (const [kind, value] of pairs) if (value && !out.some((s) => s.value === value)) out.push({ kind, value });
  return out;
}

/** The credentials volume: the one mounted at the image's ~/.claude, else the stack's labelled one. */
async function credentialsVolume(engine: DockerEngine, stackName: string, gw: InspectedGateway | null): Promise<string | null> {
  const mounted = gw?.facts.mounts.find((m) => m.type === 'volume' && m.destination === CLAUDE_HOME);
  if (mounted?.name) return mounted.name;
  const volumes = await engine.listVolumes({ ...labelFilter(stackName, 'credentials') });
  return volumes[0]?.Name ?? null;
}

/**
 * Gathers every fact the checks need: keychain (write probe, key, strength, age), Docker (the
 * gateway container, its image, its logs, the credentials volume, the socket), the file system
 * (plaintext scan), the network (barrier probe, addresses) and the app's own hardening. Never
 * throws for a fault a check reports; the secrets it reads stay in this function.
 */
export async function gatherFacts(sources: SecuritySources): Promise<SecurityFacts> {
  const settings = await sources.settings();
  const keychain = await probeKeychain(sources.secrets);
  const keychainOk = keychain.status === 'ok';
  const { facts: key, key: masterKey } = await keyFacts(sources, keychainOk);
  const claudeToken = await secretOrNull(sources.secrets, ACCOUNTS.claudeToken, keychainOk);
  const saltKey = await secretOrNull(sources.secrets, ACCOUNTS.saltKey, keychainOk);
  const databasePassword = await secretOrNull(sources.secrets, ACCOUNTS.databasePassword, keychainOk);

  let gateway: InspectedGateway | null = null;
  let dockerError: string | null = null;
  let probe: ProbeFacts | null = null;
  let logs: LogLeakFacts = {
    source: 'none',
    secretLines: null,
    scannedLines: 0,
    engine: null,
    keyChangedAt: key.info?.rotatedAt ?? key.info?.createdAt ?? null,
    keyRotatedAt: key.info?.rotatedAt ?? null,
    gatewayLogLevel: null,
    since: null,
  };
  const claude: ClaudeLoginFacts = { tokenInKeychain: claudeToken === undefined ? null : claudeToken !== null, volumeHasLogin: null, volume: null };
  const lastTest = await sources.lastChainTest?.().catch(() => null);
  claude.lastTest = lastTest ? { at: lastTest.at, ok: lastTest.ok, cause: lastTest.error?.cause ?? null, plain: lastTest.error?.plain ?? null, fix: lastTest.error?.fix ?? null } : null;
  const engine = sources.engine;
  const clientKeys = (await sources.clientKeys?.().catch(() => [])) ?? [];
  const keychainSecrets = plaintextTargets([
    ['master-key', masterKey],
    ['salt-key', saltKey],
    ['claude-token', claudeToken],
    ['database-password', databasePassword],
    ...clientKeys.map((k): ['client-key', string] => ['client-key', k]),
  ]);
  // Swarm mode: the gateway is a service; a running task's container stands in for the container.
  const swarmMode = settings.target === 'swarm' && sources.swarm !== undefined;
  let swarm: SwarmGathered | null = null;
  try {
    if (swarmMode) {
      swarm = await withTimeout(gatherSwarm(engine, sources.swarm as SwarmServiceSource, settings, keychainSecrets), DOCKER_TIMEOUT_MS * 2, 'Docker');
      gateway = swarm.gateway;
    } else {
      gateway = await withTimeout(inspectGateway(engine, settings.stackName), DOCKER_TIMEOUT_MS, 'Docker');
    }
  } catch (err) {
    dockerError = dockerFailure(err, swarmMode ? 'inspect the gateway service' : 'list the gateway container', sources.env).message;
  }
  // The secrets the gateway could leak: what the keychain holds and what the container runs with.
  const secretValues = [masterKey, claudeToken ?? null, gateway?.secrets.masterKey ?? null, gateway?.secrets.claudeToken ?? null, ...clientKeys].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );

  if (swarm?.service) {
    const s = swarm;
    if (s.facts.replicas.running > 0) {
      // Swarm publishes on every interface (of every node with ingress, of each task's node with host): loopback reaches a task here.
      const remote = probeTransportFor(engine.endpoint()) === 'container-exec';
      // HTTPS as a task here serves it (its SSL_* paths), else as the settings say; trusting the CA only.
      const tls = gateway ? gateway.facts.servesTls : settings.tls.mode !== 'off';
      if (tls) trustGateway(settings.port, (await sources.tlsTrust?.().catch(() => null)) ?? null);
      const via = remote && gateway ? execProbe(engine, gateway.id, tls ? 'https' : 'http', GATEWAY_PORT) : undefined;
      probe = remote && !gateway
        ? { url: '(inside a task)', withoutKey: null, withKey: null, error: 'no task of the service runs on the Docker engine\'s node to probe from' }
        : await probeBarrier('127.0.0.1', settings.port, masterKey, tls, via);
    }
    try {
      const scanned = await withTimeout(scanServiceLogs(engine, s.service as NonNullable<typeof s.service>, s.currentTaskIds, secretValues), DOCKER_TIMEOUT_MS, 'Docker logs');
      logs = { ...logs, source: 'container-logs', ...scanned, gatewayLogLevel: gateway?.facts.logLevel ?? null, since: null };
    } catch {
      logs = { ...logs, source: 'container-logs', secretLines: null, scannedLines: 0 };
    }
  } else if (gateway && !swarmMode) {
    const g = gateway;
    if (g.facts.running) {
      // Traffic to this machine's own address (a LAN-only binding) is delivered locally by the
      // kernel; it never leaves the machine.
      const target = probeHost(g.facts.networkMode === 'host' ? [{ hostIp: '127.0.0.1', hostPort: GATEWAY_PORT }] : g.facts.ports);
      if (target && g.facts.servesTls) trustGateway(target.port, (await sources.tlsTrust?.().catch(() => null)) ?? null);
      // A remote engine's gateway is knocked on from inside its container: the key never crosses the network in clear.
      const via = probeTransportFor(engine.endpoint()) === 'container-exec' ? execProbe(engine, g.id, g.facts.servesTls ? 'https' : 'http', GATEWAY_PORT) : undefined;
      probe = target ? await probeBarrier(target.host, target.port, masterKey, g.facts.servesTls, via) : { url: '(port not published)', withoutKey: null, withKey: null, error: 'the gateway port is not published' };
    }
    try {
      const scanned = await withTimeout(scanContainerLogs(engine, g.id, g.tty, secretValues, g.facts.startedAt), DOCKER_TIMEOUT_MS, 'Docker logs');
      logs = { ...logs, source: 'container-logs', ...scanned, gatewayLogLevel: g.facts.logLevel, since: g.facts.startedAt };
    } catch {
      logs = { ...logs, source: 'container-logs', secretLines: null, scannedLines: 0 };
    }
  }
  try {
    // The logs engine also saw lines of earlier containers, which Docker no longer has.
    logs.engine = (await sources.logRedactions?.()) ?? null;
  } catch {
    logs.engine = null;
  }

  if (!dockerError && !claude.tokenInKeychain) {
    try {
      claude.volume = await withTimeout(credentialsVolume(engine, settings.stackName, gateway), DOCKER_TIMEOUT_MS, 'Docker');
      if (claude.volume) {
        const image = gateway?.facts.imageId ?? settings.image;
        claude.volumeHasLogin = await withTimeout(
          claudeVolumeHasLogin(engine, { image, volume: claude.volume, labels: { 'io.gatehouse.stack': settings.stackName } }),
          DOCKER_TIMEOUT_MS * 2,
          'Docker',
        );
      } else {
        claude.volumeHasLogin = false;
      }
    } catch {
      claude.volumeHasLogin = null;
    }
  }

  const disk = await scanForPlaintextKeys(
    [
      { dir: sources.home, only: 'all', depth: 4 },
      ...settings.watchedFolders.map((dir) => ({ dir, only: 'env-files' as const, depth: 2 })),
    ],
    plaintextTargets([
      ['master-key', masterKey],
      ['master-key', gateway?.secrets.masterKey],
      ['salt-key', saltKey],
      ['claude-token', claudeToken],
      ['claude-token', gateway?.secrets.claudeToken],
      ['database-password', databasePassword],
      ...clientKeys.map((k): ['client-key', string] => ['client-key', k]),
    ]),
  );

  const running = gateway?.facts.running ? gateway.facts : null;
  // On the host network nothing is published: the gateway listens on every host interface itself.
  // Swarm publishes on every interface whatever bindAddress says.
  const bindings = swarmMode
    ? [{ hostIp: '0.0.0.0', hostPort: settings.port }]
    : running?.networkMode === 'host'
    ? [{ hostIp: '0.0.0.0', hostPort: GATEWAY_PORT }]
    : running?.ports.length
      ? running.ports
      : [{ hostIp: settings.bindAddress, hostPort: settings.port }];
  let app: AppHardening | null = null;
  try {
    app = (await sources.appHardening?.()) ?? null;
  } catch {
    app = null;
  }

  return {
    keychain,
    key,
    gateway: gateway?.facts ?? null,
    dockerError,
    probe,
    exposure: {
      source: (swarm ? swarm.facts.replicas.running > 0 : gateway?.facts.running) ? 'container' : 'settings',
      bindings,
      lanAddresses: lanAddresses(),
      bindFrom: activeOverrides(sources.env).bindAddress ?? null,
    },
    disk,
    logs,
    endpoint: await endpointFacts(engine.endpoint()),
    image: { configured: settings.image, pinnedByDigest: /@sha256:[a-f0-9]{64}$/.test(settings.image) },
    claude,
    app,
    keyMaxAgeDays: settings.keyMaxAgeDays,
    tls: await gatherTlsFacts(sources.tlsStatus, settings.tls.mode),
    extraEnvNames: Object.keys(settings.extraEnv),
    swarm: swarmMode ? (swarm?.facts ?? noServiceFacts(settings)) : null,
  };
}
