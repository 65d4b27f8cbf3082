import type { EventMap } from '../../shared/api';
import { SettingsStore } from './settings';
import { StateStore } from './state-store';
import { gatehouseHome } from './paths';
import { TypedEmitter } from './typed-emitter';
import type { SecretStore } from './secrets/secret-store';
import { keychainService } from './secrets/secret-store';
import { KeytarSecretStore } from './secrets/keytar-store';
import { KeyManager } from './secrets/key-manager';
import { SecurityMonitor } from './security/monitor';
import { DockerodeEngine } from './engine/dockerode-engine';
import type { DockerEngine } from './engine/types';
import { GatewayService } from './services/gateway';
import { DatabaseService } from './services/database';
import { OperationQueue } from './stack/operation-queue';
import { StackController } from './stack/stack-controller';
import { SwarmGateway } from './swarm/gateway-service';
import type { SwarmServiceSource } from './swarm/service-logs';
import { SwarmDatabase } from './swarm/database-service';
import { ProcessLock } from './process-lock';
import { gatewaySecretEnv } from './secrets/gateway-env';
import { KeyRotation } from './secrets/rotation';
import { ClaudeLogin } from './secrets/claude-token';
import { LogEngine } from './logs/log-engine';
import { GatewayTls } from './tls/gateway-tls';
import { Clients } from './clients/clients';
import { debugTiming } from './debug-timing';

export interface GatehouseOptions {
  env?: NodeJS.ProcessEnv;
  /** App data folder; default from GATEHOUSE_HOME or the platform's place. */
  home?: string;
  /** Secret store; default keytar under GATEHOUSE_KEYCHAIN_SERVICE or "Gatehouse". */
  secrets?: SecretStore;
  /** Re-run the security checks on stack/key/settings changes and on a timer (the desktop app). */
  watchSecurity?: boolean;
  /** Told when an operation waits for another Gatehouse process working on the same stack. */
  onLockWait?: (holder: { pid: number; label: string }) => void;
  /** The Docker adapter; default the real engine from DOCKER_HOST in `env` (tests pass a fake). */
  engine?: DockerEngine;
}

/**
 * The composition root of the core: the one object the CLI and the Electron main process
 * hold. Each area (stack, keys, logs, security) is a module of its own; this class wires them
 * together and owns nothing else. It never imports `electron`.
 */
export class Gatehouse {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly settings: SettingsStore;
  readonly state: StateStore;
  readonly secrets: SecretStore;
  readonly events = new TypedEmitter<EventMap>();
  readonly keys: KeyManager;
  readonly security: SecurityMonitor;
  /** The one Docker adapter of this core: every area reaches Docker through it. */
  readonly engine: DockerEngine;
  /** Operations on the stack, one at a time in this process and between processes. */
  readonly queue: OperationQueue;
  /** The gateway service: its spec and lifecycle, and the building blocks rotation composes. */
  readonly gateway: GatewayService;
  readonly stack: StackController;
  /** The PostgreSQL service of the seed's stack (settings.database). */
  readonly database: DatabaseService;
  /** Master-key rotation (journal, crash recovery). */
  readonly rotation: KeyRotation;
  /** Claude token in the keychain, login in the credentials volume. */
  readonly claude: ClaudeLogin;
  readonly logs: LogEngine;
  /** HTTPS for the gateway: the local CA, the gateway certificate, custom certificates. */
  readonly tls: GatewayTls;
  /** Connect snippets, the end-to-end test, per-tool client keys (LiteLLM virtual keys). */
  readonly clients: Clients;

  private constructor(options: GatehouseOptions) {
    this.env = options.env ?? process.env;
    this.home = options.home ?? gatehouseHome(this.env);
    // Live settings: a change by any process is announced once as 'settings:changed'.
    this.settings = new SettingsStore({ home: this.home, env: this.env, events: this.events });
    this.state = new StateStore({ home: this.home });
    this.secrets = options.secrets ?? new KeytarSecretStore(keychainService(this.env));
    this.keys = new KeyManager(this.secrets, this.state);
    this.tls = new GatewayTls({ home: this.home, secrets: this.secrets, settings: this.settings });
    this.engine = options.engine ?? debugTiming(this.env).engine(new DockerodeEngine(this.env));
    this.gateway = new GatewayService(this.engine, () => this.settings.get(), this.tls);
    const home = this.home;
    this.queue = new OperationQueue(async (label, signal) =>
      ProcessLock.forStack(home, (await this.settings.get()).stackName, options.onLockWait).acquire(label, signal),
    );
    // The database uses the stack's pull (progress events) and network.
    this.database = new DatabaseService({
      engine: this.engine,
      settings: this.settings,
      secrets: this.secrets,
      ensureImage: async (image, signal) => this.stack.ensureImage({ ...(await this.stack.plan()), image }, signal),
      ensureNetwork: async (signal) => void (await this.stack.ensureBase(await this.stack.plan(), signal)),
      releaseVolume: (signal) => swarmDatabase.releaseVolume(signal),
    });
    const swarmDatabase = new SwarmDatabase({
      engine: this.engine,
      settings: () => this.settings.get(),
      secrets: this.secrets,
      ensureImage: async (image, signal) => this.stack.ensureImage({ ...(await this.stack.plan()), image }, signal),
    });
    const swarm = new SwarmGateway(this.engine, () => this.settings.get(), swarmDatabase, this.tls, this.state);
    // In swarm mode the database password reaches the gateway as a Swarm secret file (swarm/wrapper.ts builds DATABASE_URL in the task), never in its environment.
    const databaseEnv = async () => ((await swarm.enabled()) ? {} : this.database.gatewayEnv());
    const secretEnv = (o?: { masterKey?: string }) => gatewaySecretEnv({ keys: this.keys, secrets: this.secrets, database: databaseEnv, tls: async () => this.tls.gatewayEnv(await this.settings.get()) }, o);
    this.stack = new StackController({
      engine: this.engine,
      gateway: this.gateway,
      queue: this.queue,
      state: this.state,
      events: this.events,
      database: this.database,
      secretEnv,
      currentKey: () => this.keys.get(),
      swarm,
    });
    this.rotation = new KeyRotation({
      secrets: this.secrets,
      keys: this.keys,
      state: this.state,
      queue: this.queue,
      gateway: this.gateway,
      secretEnv,
      emit: (p) => this.events.emit('rotation:progress', p),
      env: this.env,
      // The old container's last lines go into the log history before it is removed.
      beforeRemovingOld: (id) => this.logs.keepLinesOf(id),
      swarm,
    });
    this.claude = new ClaudeLogin({ secrets: this.secrets, gateway: this.gateway });
    this.clients = new Clients({
      settings: () => this.settings.get(),
      secrets: this.secrets,
      state: this.state,
      masterKey: () => this.keys.require(),
      plan: () => this.gateway.plan(),
      probeUrl: (plan) => this.gateway.probeUrl(plan),
      caFile: this.tls.caFile,
    });
    // The gateway's Swarm service as the logs and the security checks read it (settings.target "swarm").
    const swarmService: SwarmServiceSource = { enabled: () => swarm.enabled(), find: async (signal) => swarm.findService(await this.gateway.plan(), signal), tasks: (id, signal) => swarm.tasks(id, signal) };
    this.logs = new LogEngine({
      swarm: swarmService,
      home: this.home,
      env: this.env,
      settings: this.settings,
      state: this.state,
      secrets: this.secrets,
      events: this.events,
      engine: this.engine,
    });
    this.security = new SecurityMonitor(
      {
        env: this.env,
        home: this.home,
        // get() re-reads a changed file, so settings changed by another process (the CLI) count too.
        settings: () => this.settings.get(),
        secrets: this.secrets,
        keys: this.keys,
        logRedactions: () => this.logs.redactionStats(),
        tlsStatus: () => this.tls.status(),
        tlsTrust: async () => this.tls.trust(await this.settings.get()),
        engine: this.engine,
        lastChainTest: () => this.clients.lastTest(),
        clientKeys: () => this.clients.keys.allKeys(),
        swarm: swarmService,
      },
      this.events,
    );
  }

  /** Opens the core. Recovery of interrupted work (a pending rotation) happens here, before anything else. */
  static async open(options: GatehouseOptions = {}): Promise<Gatehouse> {
    const core = new Gatehouse(options);
    const timing = debugTiming(core.env);
    timing.mark('open: areas built');
    await core.settings.get(); // invalid settings fail here, with the field named
    timing.mark('open: settings read');
    core.settings.watch();
    timing.mark('open: settings watched');
    // An interrupted key rotation is finished or rolled back before anything else touches the
    // keychain or the gateway (reads only state.json when there is none).
    if (await core.rotation.pending()) await core.rotation.recover();
    timing.mark('open: no rotation pending');
    if (options.watchSecurity) core.security.start();
    return core;
  }

  async close(): Promise<void> {
    // Areas release their watchers and streams here.
    this.settings.close();
    await this.security.close();
    await this.stack.close();
    await this.logs.close();
  }
}
