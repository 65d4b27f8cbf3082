import type { ChainTestCause } from '../../../shared/clients';
import type { TlsMode } from '../../../shared/api';
import type { AppHardening, KeyInfo } from '../../../shared/api';
import type { KeyStrength } from '../secrets/key-strength';

/**
 * Everything the security checks look at, gathered once per evaluation (gather.ts) so that each
 * check is a pure function of it. The facts never hold a secret: the gatherer turns the key into
 * a fingerprint, a strength judgement, probe results and scan hits before it lands here.
 */
export interface SecurityFacts {
  keychain: KeychainFacts;
  key: KeyFacts;
  /** Null when the stack has no gateway container, or Docker could not be asked (see dockerError). */
  gateway: GatewayFacts | null;
  /** Why Docker could not be asked (a full sentence), or null. */
  dockerError: string | null;
  probe: ProbeFacts | null;
  exposure: ExposureFacts;
  disk: DiskScanFacts;
  logs: LogLeakFacts;
  endpoint: EndpointFacts;
  image: ImageFacts;
  claude: ClaudeLoginFacts;
  /** Null when not running inside the desktop app (the CLI). */
  app: AppHardening | null;
  keyMaxAgeDays: number;
  tls: TlsFacts;
  /** The names in settings.extraEnv (never their values). */
  extraEnvNames: string[];
  /**
   * Swarm mode (settings.target "swarm"): the gateway's service and its tasks; absent or null in
   * container mode. `gateway` then describes a running task's container on this engine's node.
   */
  swarm?: SwarmFacts | null;
}

/** Where a keychain secret was found outside its Swarm secret: the place, never the value. */
export interface SwarmSecretHit {
  /** e.g. 'service gh_litellm: ContainerSpec.Env LITELLM_MASTER_KEY', 'task gh_litellm.1.abc… (container 0123…): Config.Env LITELLM_MASTER_KEY' */
  place: string;
  kind: PlaintextSecretKind;
}

export interface SwarmFacts {
  /** The service's name, `<stack>_litellm`. */
  service: string;
  /** Whether the service exists (false also when Docker could not be asked: see dockerError). */
  exists: boolean;
  /** Tasks whose container runs, and the replicas the service asks for. */
  replicas: { running: number; desired: number };
  /** The service's key-fingerprint label (the key it was deployed with). */
  labelKeyFingerprint: string | null;
  /** The Swarm secret that delivers LITELLM_MASTER_KEY (its file name in /run/secrets), and the key fingerprint its name carries. */
  keySecret: { name: string; fingerprint: string | null } | null;
  /** A keychain secret found in the service's spec (Env, Args, Command, Labels, anywhere), its previous spec, or a task container's Env, Cmd, Entrypoint or Labels. */
  secretHits: SwarmSecretHit[];
  /** What was looked in: the gateway service spec's places, the task containers inspected (short ids, every service's), the stack's other services (the database). */
  looked: { spec: string[]; containers: string[]; services: string[] };
  /** Tasks meant to run whose container could not be inspected from this engine (on another node). */
  notInspected: string[];
  /** Where Swarm publishes the port: "ingress" (every node) or "host" (each node running a task); null when not published. */
  publishMode: string | null;
  /** The bind address in the settings, which Swarm does not apply. */
  bindAddressSetting: string;
}

export interface KeychainFacts {
  backend: string;
  /** Result of a write+read+delete probe of a scratch account. */
  status: 'ok' | 'locked' | 'unavailable';
  /** The keychain's own words when it is not ok (never a secret). */
  detail: string | null;
}

export interface KeyFacts {
  /** Null when the keychain could not be read. */
  info: KeyInfo | null;
  /** Null when there is no key (or it could not be read). */
  strength: KeyStrength | null;
}

export interface PortBinding {
  hostIp: string;
  hostPort: number;
}

export interface MountFacts {
  type: string;
  source: string;
  destination: string;
  name: string | null;
}

/** What `docker inspect` says about the stack's gateway container. */
export interface GatewayFacts {
  id: string;
  name: string;
  running: boolean;
  /** The reference the container was created from (Config.Image). */
  imageRef: string;
  imageId: string;
  /** RepoDigests of the image the container runs, e.g. "ghcr.io/x/y@sha256:…". */
  repoDigests: string[];
  /** Fingerprint of LITELLM_MASTER_KEY in the container's environment; null when unset. */
  envKeyFingerprint: string | null;
  envHasClaudeToken: boolean;
  /** The container has SSL_CERTFILE_PATH and SSL_KEYFILE_PATH: it serves HTTPS. */
  servesTls: boolean;
  privileged: boolean;
  networkMode: string;
  /** Bindings of the gateway's port (4000/tcp). */
  ports: PortBinding[];
  mounts: MountFacts[];
  /** Config.User of the container, or of its image; '' means root. */
  user: string;
  capAdd: string[];
  /** When the container last started (State.StartedAt); null if it never ran. */
  startedAt: string | null;
  /** LITELLM_LOG in the container's environment; null when unset (LiteLLM's default level). */
  logLevel: string | null;
}

export interface ProbeFacts {
  url: string;
  /** HTTP status without a key; null when the request failed (see error). */
  withoutKey: number | null;
  withKey: number | null;
  error: string | null;
}

export interface ExposureFacts {
  /** Where the port is published: from the running container, else from the settings. */
  source: 'container' | 'settings';
  bindings: PortBinding[];
  /** Non-internal addresses of this machine (os.networkInterfaces()). */
  lanAddresses: string[];
  /** The GATEHOUSE_* variable that sets the bind address in this environment (it wins over settings.json); null when none. */
  bindFrom?: string | null;
}

/** Which keychain secret a plaintext hit is. */
export type PlaintextSecretKind = 'master-key' | 'salt-key' | 'claude-token' | 'database-password' | 'client-key';

export interface PlaintextHit {
  /** The file (a symbolic link as "link (→ target)"). */
  file: string;
  /** What was found; never the value itself. */
  kind: PlaintextSecretKind | 'env-assignment';
  line: number;
}

export interface DiskScanFacts {
  scannedFiles: number;
  /** The folders that were looked at (core.home and the watched folders). */
  roots: string[];
  hits: PlaintextHit[];
  /** Folders that could not be read, with why. */
  unreadable: string[];
}

export interface LogLeakFacts {
  /** 'container-logs' when the gateway container's own log was read, 'none' when there is no container. */
  source: 'container-logs' | 'none';
  /** Lines of the container's log holding a secret (master key, Claude token); null when unreadable. Only its current run counts. */
  secretLines: number | null;
  scannedLines: number;
  /** What the logs engine redacted while showing the gateway's output; null when it cannot tell. */
  engine: LogEngineRedactions | null;
  /** When the current master key was created or last rotated: older redactions concern an older key. */
  keyChangedAt: string | null;
  /** When the key was last rotated; null if never (a leak after a rotation is not cured by another one). */
  keyRotatedAt: string | null;
  /** The log level the gateway runs with (LITELLM_LOG), null for LiteLLM's default. */
  gatewayLogLevel: string | null;
  /** Since when the container's log was read (its current run), or null for all of it. */
  since: string | null;
}

export interface LogEngineRedactions {
  /** Entries that held anything shaped like a secret. */
  lines: number;
  /** Entries that held one of the exact keychain secrets. */
  exactLines: number;
  /** Time of the last entry that held one. */
  lastAt: string | null;
}

export interface EndpointFacts {
  description: string;
  kind: 'unix' | 'npipe' | 'tcp' | 'ssh';
  tls: boolean;
  socket: SocketFacts | null;
}

export interface SocketFacts {
  path: string;
  exists: boolean;
  owner: string | null;
  group: string | null;
  /** Permission bits, e.g. 0o660. */
  mode: number | null;
  /** Members of the socket's group, as /etc/group lists them. */
  groupMembers: string[];
}

export interface ImageFacts {
  /** The image reference in the settings. */
  configured: string;
  pinnedByDigest: boolean;
}

export interface ClaudeLoginFacts {
  tokenInKeychain: boolean | null;
  /** Null when it cannot be told (no container to look through). */
  volumeHasLogin: boolean | null;
  volume: string | null;
  /** The last end-to-end test (`gatehouse test`, the Test button): when, whether Claude answered, why not. */
  lastTest?: { at: string; ok: boolean; cause: ChainTestCause | null; plain: string | null; fix: string | null } | null;
}

export interface TlsFacts {
  /** The setting (tls.mode): what the next start does. */
  mode: TlsMode;
  /** The gateway certificate on hand (local: the last issued; custom: the file); null when none or unreadable. */
  certificate: { notAfter: string; daysLeft: number; names: string[] } | null;
  /** What `tls status` reports as wrong or due; null when nothing. */
  problem: string | null;
}
