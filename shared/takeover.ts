/**
 * Taking over a running docker-compose stack of the seed (a LiteLLM gateway, perhaps PostgreSQL):
 * what detection finds, what the plan will do, what the takeover did. Plain data for the CLI's
 * --json, IPC and the renderer: never a secret value, only where each secret lives. No runtime
 * dependencies (the renderer bundle imports it).
 */
import type { BindMount } from './api';

/** A port a compose container publishes on this machine. */
export interface PublishedPort {
  /** The interface: "0.0.0.0" / "::" = every interface. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

export interface ComposeVolumeMount {
  name: string;
  /** Where it is mounted in the container. */
  target: string;
  /** The Claude login (`.credentials.json`) is in it. */
  holdsClaudeLogin: boolean;
}

/** One container of a compose project, as Compose's labels and Docker's inspect describe it. */
export interface ComposeServiceInfo {
  service: string;
  containerId: string;
  containerName: string;
  image: string;
  /** Docker's state: running, exited, restarting, … */
  state: string;
  role: 'gateway' | 'database' | 'other';
  ports: PublishedPort[];
  volumes: ComposeVolumeMount[];
  binds: BindMount[];
  restartPolicy: string;
}

export type TakeoverSecretName = 'LITELLM_MASTER_KEY' | 'LITELLM_SALT_KEY' | 'CLAUDE_CODE_OAUTH_TOKEN' | 'POSTGRES_PASSWORD' | 'DATABASE_URL';

/** Where one secret lives now (never its value). */
export interface SecretLocation {
  name: TakeoverSecretName;
  /** e.g. "container litellm (environment)", "/home/me/seed/.env". */
  places: string[];
  /** The running container's value and the .env's differ (the running one is taken). */
  differs: boolean;
}

/** A compose project running a LiteLLM gateway. */
export interface ComposeGateway {
  project: string;
  workingDir: string | null;
  configFiles: string[];
  /** `<working dir>/.env` when it exists and could be read. */
  envFile: string | null;
  /** Why the .env was not read, when there is a working dir but no readable .env. */
  envFileProblem: string | null;
  services: ComposeServiceInfo[];
  /** The service running the gateway (`litellm` in the seed). */
  gatewayService: string;
  databaseService: string | null;
  running: boolean;
  /** The gateway's published port (4000 in the seed) and the interfaces it listens on. */
  port: number | null;
  interfaces: string[];
  /** The volume holding the Claude login; else the one mounted at ~/.claude; null: none. */
  claudeVolume: string | null;
  claudeLoginPresent: boolean;
  databaseVolume: string | null;
  secrets: SecretLocation[];
}

/** What `gatehouse adopt` will do (without --yes it only shows this). */
export interface TakeoverPlan {
  project: string;
  image: string;
  port: number;
  /** Where the gateway listened, and where Gatehouse's will. */
  fromInterfaces: string[];
  bindAddress: string;
  /** Who loses access when the gateway moves to 127.0.0.1 (null: nobody). */
  exposureLoss: string | null;
  /** Non-secret environment carried over into extraEnv (values are not secrets). */
  extraEnv: Record<string, string>;
  /** Variables not carried over, and why. */
  skippedEnv: { name: string; reason: string }[];
  mounts: BindMount[];
  credentialsVolume: string | null;
  claudeLoginPresent: boolean;
  database: { image: string; volume: string } | null;
  /** Secrets that go into the keychain, and where each is now. */
  secrets: SecretLocation[];
  /** The master key becomes the salt key (a database and no salt key of its own). */
  saltFromMasterKey: boolean;
  /** Compose containers stopped, then removed once Gatehouse's stack is verified. */
  containers: string[];
  envFile: string | null;
  scrub: boolean;
  warnings: string[];
}

/** What a takeover did. */
export interface TakeoverResult {
  plan: TakeoverPlan;
  /** The checks that passed after the start (same key 200, no key 401, …). */
  verified: string[];
  removedContainers: string[];
  scrubbed: boolean;
  warnings: string[];
}
