import path from 'node:path';

/**
 * Who the app is to the OS, in one place: electron-builder.yml's appId and productName must say
 * the same (tests/unit/packaging.test.ts compares them). Plain Node.
 */
export const APP_ID = 'io.gatehouse.app';
export const PRODUCT_NAME = 'Gatehouse';

/** Folder names compare case-insensitively on macOS and Windows file systems. */
export function isSameOrInside(child: string, parent: string, platform: NodeJS.Platform): boolean {
  const norm = (p: string): string => (platform === 'linux' ? path.resolve(p) : path.resolve(p).toLowerCase());
  const rel = path.relative(norm(parent), norm(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Chromium's own data (caches, LevelDB, cookies, GPU cache): a folder beside the core's home,
 * never inside it. By default Electron puts it at <appData>/<productName>, the very folder the
 * core keeps settings and state in, and the plaintext scan walks that folder on every run.
 * Returns the folder to pass to app.setPath('userData') before ready.
 */
export function chromiumDataDir(appData: string, coreHome: string, platform: NodeJS.Platform = process.platform): string {
  const candidate = path.join(appData, `${PRODUCT_NAME} Chromium`);
  if (!isSameOrInside(candidate, coreHome, platform) && !isSameOrInside(coreHome, candidate, platform)) return candidate;
  // GATEHOUSE_HOME points at or around appData itself: use a folder beside the home instead.
  return `${path.resolve(coreHome)}-chromium`;
}


