import os from 'node:os';
import path from 'node:path';

/**
 * The app data folder: settings, state, log history. Never holds a secret.
 * GATEHOUSE_HOME overrides it (tests, power users); otherwise the platform's usual place,
 * matching what Electron's app.getPath('userData') gives for the app name "Gatehouse".
 */
export function gatehouseHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GATEHOUSE_HOME) return path.resolve(env.GATEHOUSE_HOME);
  switch (process.platform) {
    case 'darwin':
      return path.join(os.homedir(), 'Library', 'Application Support', 'Gatehouse');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Gatehouse');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'Gatehouse');
  }
}
