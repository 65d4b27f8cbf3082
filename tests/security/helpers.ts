// Shared parts of the security suite: a private data folder, a keychain service of its own on the
// suite's real (unlocked) gnome-keyring, and a core-less set of the pieces the tests drive.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import { KeyManager } from '../../electron/core/secrets/key-manager';
import { StateStore } from '../../electron/core/state-store';

export const ROOT = path.resolve(__dirname, '..', '..');

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `gh-sec-${prefix}-`));
}

export interface KeychainWorld {
  home: string;
  service: string;
  secrets: KeytarSecretStore;
  state: StateStore;
  keys: KeyManager;
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/** A data folder and a keychain service of their own (removed by cleanup()). */
export function keychainWorld(name: string): KeychainWorld {
  const home = tmpDir(name);
  const service = `gatehouse-sec-${name}-${crypto.randomBytes(4).toString('hex')}`;
  const secrets = new KeytarSecretStore(service);
  const state = new StateStore({ home });
  return {
    home,
    service,
    secrets,
    state,
    keys: new KeyManager(secrets, state),
    env: { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN_SERVICE: service, GATEHOUSE_STACK: `ghsec${crypto.randomBytes(3).toString('hex')}` },
    async cleanup() {
      for (const account of Object.values(ACCOUNTS)) await secrets.delete(account).catch(() => false);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A random master key (sk- + 43 base64url characters). */
export function randomKey(): string {
  return 'sk-' + crypto.randomBytes(32).toString('base64url');
}
