import type { EventMap } from '../../shared/api';
import { SettingsStore } from './settings';
import { StateStore } from './state-store';
import { gatehouseHome } from './paths';
import { TypedEmitter } from './typed-emitter';
import type { SecretStore } from './secrets/secret-store';
import { keychainService } from './secrets/secret-store';
import { KeytarSecretStore } from './secrets/keytar-store';
import { KeyManager } from './secrets/key-manager';

export interface GatehouseOptions {
  env?: NodeJS.ProcessEnv;
  /** App data folder; default from GATEHOUSE_HOME or the platform's place. */
  home?: string;
  /** Secret store; default keytar under GATEHOUSE_KEYCHAIN_SERVICE or "Gatehouse". */
  secrets?: SecretStore;
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

  private constructor(options: GatehouseOptions) {
    this.env = options.env ?? process.env;
    this.home = options.home ?? gatehouseHome(this.env);
    this.settings = new SettingsStore({ home: this.home, env: this.env });
    this.state = new StateStore({ home: this.home });
    this.secrets = options.secrets ?? new KeytarSecretStore(keychainService(this.env));
    this.keys = new KeyManager(this.secrets, this.state);
  }

  /** Opens the core. Recovery of interrupted work (a pending rotation) happens here, before anything else. */
  static async open(options: GatehouseOptions = {}): Promise<Gatehouse> {
    const core = new Gatehouse(options);
    await core.settings.get(); // invalid settings fail here, with the field named
    return core;
  }

  async close(): Promise<void> {
    // Areas release their watchers and streams here.
  }
}
