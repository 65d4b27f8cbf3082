/**
 * The IPC contract between the renderer and the main process: every method the renderer may
 * invoke and every event main may push, with the types both sides see.
 *
 * Adding a method = one line in InvokeMap + its name in INVOKE_CHANNELS + a handler in
 * electron/main/ipc-handlers.ts + an argument schema in shared/ipc-schemas.ts. The compiler
 * enforces all three: INVOKE_CHANNELS must list exactly InvokeMap's keys (see the check after
 * it), and the handler and schema tables are typed over every channel. The preload bridge and
 * the main-side registration are generic over these maps, so nothing else changes.
 *
 * This file must stay free of runtime dependencies: the sandboxed preload and the renderer
 * bundle import it.
 */

import type { LogLevel } from './log-levels';
import type { ComposeGateway, TakeoverPlan, TakeoverResult } from './takeover';
import type { ChainTestResult, ClientKeyInfo, ClientKeyOptions, ConnectInfo, ConnectTool } from './clients';

// ---------------------------------------------------------------------------------------------
// Stack
// ---------------------------------------------------------------------------------------------

export type StackState =
  | 'absent' // no container with the stack's label exists
  | 'stopped' // container exists, not running, exited cleanly or was stopped by the user
  | 'pulling' // image is being pulled
  | 'starting' // container started, waiting for health and the barrier check
  | 'healthy' // healthy and the barrier holds (401 without key, 200 with key)
  | 'unhealthy' // running but health checks fail
  | 'unsafe' // running but answers without a key: the barrier does not hold
  | 'crashed' // container died on its own (non-zero exit, or exited while it should run)
  | 'stopping';

export interface LayerProgress {
  id: string;
  status: string; // Docker's own words: "Downloading", "Extracting", "Pull complete", ...
  current: number; // bytes
  total: number; // bytes, 0 when unknown
}

export interface PullProgress {
  image: string;
  layers: LayerProgress[];
  currentBytes: number;
  totalBytes: number;
  /** 0..100, or null while the total is unknown. */
  percent: number | null;
  status: string;
}

export type DatabaseState = 'absent' | 'stopped' | 'starting' | 'healthy' | 'unhealthy' | 'crashed' | 'stopping';

export interface DatabaseStatus {
  state: DatabaseState;
  containerId: string | null;
  image: string;
  volume: string;
  /** Whether the gateway reports its database connection as healthy. */
  connected: boolean | null;
  /** One human sentence: why it is not healthy, what the gateway said about the connection. */
  detail: string | null;
}

export interface StackStatus {
  state: StackState;
  stackName: string;
  /** The configured image reference. */
  image: string;
  /** Repo digest of the image the container runs (or would run), e.g. "sha256:…"; null if unknown. */
  imageDigest: string | null;
  imageId: string | null;
  /** The URL clients use, e.g. http://127.0.0.1:4000 */
  url: string;
  bindAddress: string;
  port: number;
  containerId: string | null;
  /** ISO time the container last started. */
  startedAt: string | null;
  uptimeMs: number | null;
  /** Fingerprint of the key the running container was created with (never the key). */
  keyFingerprint: string | null;
  exitCode: number | null;
  /** One human sentence about the state: why unsafe, why crashed, what is happening. */
  detail: string | null;
  pull: PullProgress | null;
  /** Null when the database service is off in settings. */
  database: DatabaseStatus | null;
  /**
   * While a start waits on the gateway (state "starting"): the phase, when the wait began (ISO; an
   * elapsed-time counter counts from it) and what is expected. `detail` already says it in words,
   * with the seconds waited, re-sent every second.
   */
  waiting?: StackWaiting | null;
  /** settings.target "swarm": the service's replicas running / desired, and each current task's state and node. */
  replicas?: { running: number; desired: number };
  tasks?: { id: string; state: string; node: string | null; error: string | null }[];
}

export interface StackWaiting {
  /** booting: until /health/liveliness answers; barrier: no key 401, the key 200. */
  phase: 'booting' | 'barrier';
  since: string;
  expecting: string;
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

export interface KeyInfo {
  exists: boolean;
  /** Short SHA-256 prefix of the key, e.g. "sha256:3f9a1c2e4b7d". Never the key itself. */
  fingerprint: string | null;
  createdAt: string | null;
  rotatedAt: string | null;
  ageDays: number | null;
  /** A rotation was interrupted and has not been recovered yet. */
  pendingRotation: boolean;
}

export type RotationStep = 'journal' | 'recreate' | 'verify' | 'commit' | 'done' | 'rollback';

export interface RotationProgress {
  step: RotationStep;
  message: string;
}

export interface RotationResult {
  fingerprint: string;
  previousFingerprint: string;
  rotatedAt: string;
  /** Whether a running gateway was recreated with the new key. */
  gatewayRecreated: boolean;
}

export interface ClipboardState {
  /** The clipboard holds the key and a clear is scheduled. */
  active: boolean;
  clearsAt: string | null;
  secondsLeft: number | null;
}

export interface ClaudeStatus {
  tokenStored: boolean;
  /** Whether the credentials volume holds a Claude login; null when it cannot be told. */
  volumeHasLogin: boolean | null;
  volume: string;
}

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

export type { LogLevel } from './log-levels';
export type LogStream = 'stdout' | 'stderr' | 'system';

export interface LogEntry {
  seq: number;
  /** ISO timestamp from Docker (the time the line was written). */
  time: string;
  stream: LogStream;
  level: LogLevel;
  /** Where the line came from: "LiteLLM Proxy", "uvicorn", "entrypoint", "gatehouse", … */
  source: string;
  /** The line, redacted; a traceback's lines are joined with "\n". */
  message: string;
  containerId: string | null;
  /** Swarm mode: the task that wrote the line, as `docker service logs` names it (`<stack>_litellm.<slot>.<task id, 12>`). */
  task?: string;
}

export interface LogQuery {
  minLevel?: LogLevel;
  stream?: LogStream;
  text?: string;
  regex?: boolean;
  since?: string;
  until?: string;
  /** Return at most this many entries, newest last. */
  limit?: number;
  /** Skip this many of the matches counted from the start. */
  offset?: number;
}

export interface LogPage {
  entries: LogEntry[];
  /** Number of entries matching the query (before offset/limit). */
  total: number;
}

export interface WarningGroup {
  id: string;
  level: LogLevel;
  /** The message with numbers, ids and timestamps masked. */
  pattern: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  example: string;
  acknowledged: boolean;
}

export type ExportFormat = 'text' | 'jsonl';

// ---------------------------------------------------------------------------------------------
// Security
// ---------------------------------------------------------------------------------------------

/** `skip`: the check cannot run in this front end (the app's window hardening, from the CLI). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** Gatehouse actions a check can offer as its fix. */
export type FixAction =
  | 'key:create'
  | 'key:rotate'
  | 'stack:restart'
  | 'settings:bind-loopback'
  | 'key:import'
  | 'claude:set-token'
  | 'tls:enable';

export interface SecurityCheck {
  id: string;
  title: string;
  status: CheckStatus;
  /** One sentence on what the check found. */
  finding: string;
  /** What to do about it; null when it passes. */
  fix: string | null;
  action: FixAction | null;
}

export interface SecurityReport {
  checkedAt: string;
  checks: SecurityCheck[];
  worst: CheckStatus;
}

/** What the desktop app reports about its own hardening (security check 13). */
export interface AppHardening {
  contextIsolation: boolean;
  sandbox: boolean;
  nodeIntegration: boolean;
  webSecurity: boolean;
  csp: string | null;
  navigationBlocked: boolean;
  windowOpenDenied: boolean;
  permissionsDenied: boolean;
}

/** The .env variables a key import moves into the keychain. */
export type ImportedVariable = 'LITELLM_MASTER_KEY' | 'LITELLM_SALT_KEY' | 'CLAUDE_CODE_OAUTH_TOKEN' | 'POSTGRES_PASSWORD';

/** What a key import did (fingerprints only, never a value). */
export interface KeyImportResult {
  file: string;
  /** Variables moved into the keychain. */
  imported: ImportedVariable[];
  masterKeyFingerprint: string;
  previousFingerprint: string | null;
  /** The salt key was set to the imported master key (DATABASE_URL without LITELLM_SALT_KEY). */
  saltFromMasterKey: boolean;
  weak: boolean;
  warnings: string[];
  /** Whether the plaintext values were removed from the file. */
  scrubbed: boolean;
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

export interface DatabaseSettings {
  enabled: boolean;
  image: string;
  /** Name of the data volume; null = "<stack>-db-data". */
  volume: string | null;
}

export interface Settings {
  image: string;
  port: number;
  bindAddress: string;
  stackName: string;
  /** Extra non-secret environment for the gateway, e.g. LITELLM_LOG, JSON_LOGS. */
  extraEnv: Record<string, string>;
  clipboardClearSeconds: number;
  keyMaxAgeDays: number;
  logBufferEntries: number;
  /** Folders whose .env files the security check scans for plaintext keys. */
  watchedFolders: string[];
  /** Whether quitting the desktop app also stops the gateway. */
  stopGatewayOnQuit: boolean;
  /** How long `start` waits for the gateway to become healthy before HEALTH_TIMEOUT. */
  startTimeoutSeconds: number;
  database: DatabaseSettings;
  /** HTTPS for the gateway (needed whenever it is published beyond this machine). */
  tls: TlsSettings;
  /** Host folders bind-mounted into the gateway (a taken-over compose service's ./config, ./providers), read-only as they were. */
  mounts: BindMount[];
  /** The Docker volume holding the Claude login; null: `<stack>-claude`. A named one (adopted) must exist. */
  credentialsVolume: string | null;
  /** Where the gateway runs: "container" (one container on this engine) or "swarm" (a Swarm service, its key a Swarm secret). */
  target: GatewayTarget;
  /** swarm: how the service's port is published: "ingress" (the routing mesh) or "host" (on the node running the task). */
  publishMode: PublishMode;
  /** swarm: how many tasks of the gateway service run (a start-first rotation needs 2 or more with ingress). */
  replicas: number;
}

export type GatewayTarget = 'container' | 'swarm';

/** The Docker engine's place in a swarm (`gatehouse swarm status`): target "swarm" needs a manager. */
export interface SwarmMembership {
  /** Docker's LocalNodeState: "inactive", "pending", "active", "error", "locked". */
  localNodeState: string;
  /** Whether this engine is a manager (Swarm.ControlAvailable): only a manager creates services and secrets. */
  controlAvailable: boolean;
  nodeId: string | null;
  /** Nodes in the swarm, 0 outside one. */
  nodes: number;
  managers: number;
}
export type PublishMode = 'ingress' | 'host';

/** One host folder or file mounted into the gateway container. */
export interface BindMount {
  /** Absolute path on this machine. */
  source: string;
  /** Absolute path in the container. */
  target: string;
  readOnly: boolean;
}

/** off: plain HTTP; local: a certificate from Gatehouse's own CA; custom: the user's certificate and key files. */
export type TlsMode = 'off' | 'local' | 'custom';

export interface TlsSettings {
  mode: TlsMode;
  /** custom mode: PEM certificate (chain) file, absolute path. */
  certFile: string | null;
  /** custom mode: PEM private key file, absolute path (read at each start, never copied to another file). */
  keyFile: string | null;
}

/** One certificate as `gatehouse tls status` and the Settings view show it. */
export interface TlsCertificateSummary {
  subject: string;
  issuer: string;
  /** DNS names and IP addresses (SubjectAltName). */
  names: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  /** SHA-256 of the certificate, "AA:BB:…". */
  sha256: string;
}

export interface TlsStatus {
  mode: TlsMode;
  /** The gateway's certificate on hand (local: the last one issued; custom: the given file); null when none. */
  certificate: TlsCertificateSummary | null;
  /** The local CA (exists once `tls enable` or `tls ca` ran); null otherwise. */
  ca: TlsCertificateSummary | null;
  /** Where the CA certificate is kept (public; give it to clients to trust). */
  caFile: string;
  /** Names clients may use for the gateway now (from the bind address). */
  wantedNames: string[];
  /** What is wrong or due (e.g. "renewed at the next start: …"); null when nothing. */
  problem: string | null;
}

export type SettingsPatch = Partial<Omit<Settings, 'database' | 'tls'>> & { database?: Partial<DatabaseSettings>; tls?: Partial<TlsSettings> };

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type ErrorCode =
  | 'DOCKER_UNREACHABLE'
  | 'DOCKER_PERMISSION'
  | 'PORT_IN_USE'
  | 'IMAGE_PULL_FAILED'
  | 'CONTAINER_EXITED'
  | 'HEALTH_TIMEOUT'
  | 'GATEWAY_UNSAFE'
  | 'KEYCHAIN_UNAVAILABLE'
  | 'KEYCHAIN_LOCKED'
  | 'NO_KEY'
  | 'SETTINGS_INVALID'
  | 'ROTATION_FAILED'
  | 'CANCELLED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_REGEX'
  | 'IMPORT_FAILED'
  | 'TOKEN_INVALID'
  | 'CLIPBOARD_UNAVAILABLE'
  | 'DATABASE_FAILED'
  | 'TLS_INVALID'
  | 'FORBIDDEN_SENDER'
  /** A call that needs the user at the window (reveal, copy) came while it was not in front or not in use. */
  | 'NOT_FOCUSED'
  /** The app refused to open an address in the browser (not on its allow-list). */
  | 'URL_REFUSED'
  | 'NOT_FOUND'
  /** Client keys asked for while the database setting is off (LiteLLM keeps virtual keys only in its database). */
  | 'DATABASE_OFF'
  /** LiteLLM refused a key-management call or did not answer it. */
  | 'GATEWAY_REFUSED'
  /** Taking over a running compose stack failed; the compose stack was put back as it was. */
  | 'TAKEOVER_FAILED'
  | 'SWARM_NOT_MANAGER'
  | 'INTERNAL';

/**
 * The one error shape outside the core: what a GatehouseError becomes on IPC, in the CLI's
 * --json output and in the renderer. It crosses the bridge as data inside InvokeEnvelope, never
 * packed into an Error's message.
 */
export interface ErrorPayload {
  code: ErrorCode;
  /** What failed and why, in one or two sentences. Never a secret. */
  message: string;
  /** What to do about it; null when there is nothing to do but retry. */
  fix: string | null;
  /** The underlying fault in its own words (Docker's, the OS's), for a "details" line. */
  cause?: string;
}

// ---------------------------------------------------------------------------------------------
// The channel maps
// ---------------------------------------------------------------------------------------------

export interface InvokeMap {
  'stack:start': { args: []; result: StackStatus };
  'stack:stop': { args: []; result: StackStatus };
  'stack:status': { args: []; result: StackStatus };
  'key:info': { args: []; result: KeyInfo };
  'key:create': { args: []; result: KeyInfo };
  'key:rotate': { args: []; result: RotationResult };
  'key:copy': { args: []; result: ClipboardState };
  /** Returns the raw key: the only way it reaches the renderer, after an explicit click. */
  'key:reveal': { args: []; result: string };
  /** Moves the secrets of a docker-compose .env into the keychain; `scrub` then removes them from the file. */
  /**
   * Main asks the user for the .env file in its own open dialog (the page never names a path);
   * null when the user cancelled.
   */
  'key:import': { args: [scrub: boolean]; result: KeyImportResult | null };
  'claude:set-token': { args: [token: string]; result: ClaudeStatus };
  'claude:status': { args: []; result: ClaudeStatus };
  'tls:status': { args: []; result: TlsStatus };
  /** HTTPS with a certificate from the local CA (from the next start). */
  'tls:enable': { args: []; result: TlsStatus };
  'tls:disable': { args: []; result: TlsStatus };
  /** The local CA's certificate (PEM, public) for clients to trust; creates the CA if needed. */
  'tls:ca': { args: []; result: string };
  /** Main asks where to save the CA certificate (its own dialog); path null when cancelled. */
  'tls:export-ca': { args: []; result: { path: string | null } };
  'logs:query': { args: [query: LogQuery]; result: LogPage };
  'logs:clear': { args: []; result: void };
  'logs:export': { args: [query: LogQuery, format: ExportFormat]; result: { path: string | null; entries: number } };
  'warnings:list': { args: []; result: WarningGroup[] };
  'warnings:ack': { args: [id: string]; result: WarningGroup[] };
  'security:run': { args: []; result: SecurityReport };
  'settings:get': { args: []; result: Settings };
  'settings:update': { args: [patch: SettingsPatch]; result: Settings };
  'app:hardening': { args: []; result: AppHardening };
  'app:open-external': { args: [url: string]; result: void };
  'app:copy-text': { args: [text: string]; result: void };
  /** Base URL and snippets for the master key (null) or a client key; the key only by reference. */
  'connect:info': { args: [client: string | null]; result: ConnectInfo };
  /** "Copy with key": main puts the snippet with the key inline on the guarded clipboard; the page never sees it. */
  'connect:copy': { args: [tool: ConnectTool, client: string | null]; result: ClipboardState };
  /** The whole chain, on demand (spends a few tokens): models, then one tiny completion. */
  'chain:test': { args: [model: string | null, client: string | null]; result: ChainTestResult };
  'chain:last': { args: []; result: ChainTestResult | null };
  'clients:list': { args: []; result: ClientKeyInfo[] };
  /** Makes the key in LiteLLM and the keychain; it reaches the user only through clients:copy. */
  'clients:add': { args: [name: string, options: ClientKeyOptions]; result: ClientKeyInfo };
  'clients:copy': { args: [name: string]; result: ClipboardState };
  'clients:rotate': { args: [name: string]; result: ClientKeyInfo };
  'clients:revoke': { args: [name: string]; result: void };
  /** The docker-compose projects running a LiteLLM gateway (the seed's), for the first-run screen and the Dashboard. */
  'takeover:detect': { args: []; result: ComposeGateway[] };
  /** What taking over a project would do; changes nothing (null: the only project found). */
  'takeover:plan': { args: [project: string | null, options: TakeoverChoice]; result: TakeoverPlan };
  /** The takeover transaction (`gatehouse adopt --yes`); after a user gesture only. */
  'takeover:adopt': { args: [project: string | null, options: TakeoverChoice]; result: TakeoverResult };
  /** Uses an existing PostgreSQL data volume from the next start on (`gatehouse db adopt`). */
  'db:adopt': { args: [volume: string]; result: { volume: string } };
  /** Deletes the database's data volume, named as confirmation (`gatehouse db remove-data`); after a user gesture only. */
  'db:remove-data': { args: [confirm: string]; result: { volume: string } };
  /** Whether the engine is in a swarm and its manager (`gatehouse swarm status`). */
  'swarm:status': { args: []; result: SwarmMembership };
  /**
   * Makes this engine a single-node swarm advertised on 127.0.0.1 (`gatehouse swarm init`); a manager
   * is left as it is (created false). After the user confirmed it in the window, with a user gesture.
   */
  'swarm:init': { args: []; result: { created: boolean; membership: SwarmMembership } };
}

/** The takeover's choices: scrub the .env at the end, keep the gateway reachable from other machines. */
export interface TakeoverChoice {
  scrub: boolean;
  keepExposure: boolean;
}

export type InvokeChannel = keyof InvokeMap;

export const INVOKE_CHANNELS = [
  'stack:start',
  'stack:stop',
  'stack:status',
  'key:info',
  'key:create',
  'key:rotate',
  'key:copy',
  'key:reveal',
  'key:import',
  'claude:set-token',
  'claude:status',
  'tls:status',
  'tls:enable',
  'tls:disable',
  'tls:ca',
  'tls:export-ca',
  'logs:query',
  'logs:clear',
  'logs:export',
  'warnings:list',
  'warnings:ack',
  'security:run',
  'settings:get',
  'settings:update',
  'app:hardening',
  'app:open-external',
  'app:copy-text',
  'connect:info',
  'connect:copy',
  'chain:test',
  'chain:last',
  'clients:list',
  'clients:add',
  'clients:copy',
  'clients:rotate',
  'clients:revoke',
  'takeover:detect',
  'takeover:plan',
  'takeover:adopt',
  'db:adopt',
  'db:remove-data',
  'swarm:status',
  'swarm:init',
] as const satisfies readonly InvokeChannel[];

/**
 * Compile-time proof that INVOKE_CHANNELS lists every channel of InvokeMap (and nothing else):
 * a channel left off the list would be refused at run time without a word, so leaving one out
 * fails `tsc` here, naming it.
 */
type MissingChannels = Exclude<InvokeChannel, (typeof INVOKE_CHANNELS)[number]>;
const everyChannelListed: [MissingChannels] extends [never] ? true : { missing: MissingChannels } = true;
void everyChannelListed;

export interface EventMap {
  'stack:status': StackStatus;
  'pull:progress': PullProgress;
  'rotation:progress': RotationProgress;
  'clipboard:state': ClipboardState;
  'logs:appended': LogEntry[];
  'warnings:new': WarningGroup[];
  'security:report': SecurityReport;
  /** Checks whose status got worse since the previous evaluation. */
  'security:worsened': SecurityCheck[];
  /** The effective settings after a change, made here or by another process (CLI, editor). */
  'settings:changed': Settings;
}

export type EventName = keyof EventMap;

export const EVENT_NAMES = [
  'stack:status',
  'pull:progress',
  'rotation:progress',
  'clipboard:state',
  'logs:appended',
  'warnings:new',
  'security:report',
  'security:worsened',
  'settings:changed',
] as const satisfies readonly EventName[];

type MissingEvents = Exclude<EventName, (typeof EVENT_NAMES)[number]>;
const everyEventListed: [MissingEvents] extends [never] ? true : { missing: MissingEvents } = true;
void everyEventListed;

/** The one push channel main uses for every event: payload is { event, data }. */
export const EVENT_CHANNEL = 'gatehouse:event';

export interface EventEnvelope<K extends EventName = EventName> {
  event: K;
  data: EventMap[K];
}

/**
 * Invoke results cross IPC and the preload bridge wrapped, so that an error arrives as data
 * (code, message, fix, cause): Electron's contextBridge would keep only an Error's message.
 */
export type InvokeEnvelope<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

/** What the preload exposes as `window.gatehouse`. */
export interface GatehouseBridge {
  /** Never rejects for a Gatehouse error: the envelope says ok or carries the error (shared/bridge-errors.ts unwraps it). */
  invoke<K extends InvokeChannel>(channel: K, ...args: InvokeMap[K]['args']): Promise<InvokeEnvelope<InvokeMap[K]['result']>>;
  /** Subscribe to an event; returns the unsubscribe function. */
  on<K extends EventName>(event: K, listener: (data: EventMap[K]) => void): () => void;
}
