import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DiskScanFacts, PlaintextHit, PlaintextSecretKind } from './facts';

/** A keychain secret to look for, and what to call it in a finding. */
export interface SecretToFind {
  kind: PlaintextSecretKind;
  value: string;
}

/** `LITELLM_MASTER_KEY=value`, `export LITELLM_MASTER_KEY="value"`, `"LITELLM_MASTER_KEY": "value"`, YAML `LITELLM_MASTER_KEY: value`. */
const ASSIGNMENT = /LITELLM_MASTER_KEY["']?\s*[=:]\s*["']?([^"'\s#,}]*)/;
/** Files in watched folders that hold environment for Compose and friends. */
const ENV_FILE = /^\.env(\..+)?$|\.env$/;
const SKIP_DIRS = new Set(['node_modules', '.git', '.cache']);
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const MAX_FILES = 5000;

export interface ScanRoot {
  dir: string;
  /** Which files count: all (Gatehouse's own folder) or only .env files (a user's project). */
  only: 'all' | 'env-files';
  depth: number;
}

/** Whether an assignment's value is a real value rather than empty, a ${VAR} reference or a redaction. */
function isRealValue(v: string): boolean {
  return v.length > 0 && !v.startsWith('$') && !/REDACTED|\*{3,}/.test(v);
}

/** Finds secrets and LITELLM_MASTER_KEY values in one file's text; reports lines, never values. */
export function scanText(file: string, text: string, secrets: (SecretToFind | string)[]): PlaintextHit[] {
  const hits: PlaintextHit[] = [];
  const lines = text.split(/\r?\n/);
  // Short values (a 6-character password) would match ordinary words. A bare string is a master key.
  const wanted = secrets.map((s): SecretToFind => (typeof s === 'string' ? { kind: 'master-key', value: s } : s)).filter((s) => s.value.length >= 8);
  lines.forEach((line, i) => {
    const found = wanted.find((s) => line.includes(s.value) || (s.kind === 'database-password' && line.includes(encodeURIComponent(s.value))));
    if (found) {
      hits.push({ file, kind: found.kind, line: i + 1 });
      return;
    }
    const trimmed = line.trimStart();
    if (trimmed.startsWith('#')) return;
    const m = ASSIGNMENT.exec(line);
    if (m && isRealValue(m[1] ?? '')) hits.push({ file, kind: 'env-assignment', line: i + 1 });
  });
  return hits;
}

/**
 * Looks for the keychain's secrets (master key, salt key, Claude token, database password) and
 * LITELLM_MASTER_KEY values in plain text: everywhere in Gatehouse's own folder, and in the .env
 * files of the folders the user registered (an old docker-compose project, say). A .env that is
 * a symbolic link is read at its target (it is reported under the link's name, with the target);
 * linked folders are not entered (no loops, no escaping the folder). Bounded in depth, file size
 * and file count, so a huge folder cannot stall the checks.
 */
export async function scanForPlaintextKeys(roots: ScanRoot[], secrets: (SecretToFind | string)[]): Promise<DiskScanFacts> {
  const facts: DiskScanFacts = { scannedFiles: 0, roots: roots.map((r) => r.dir), hits: [], unreadable: [] };
  const walk = async (dir: string, root: ScanRoot, depth: number): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A folder that does not exist (yet) holds nothing; one that cannot be read is reported.
      if (code !== 'ENOENT') facts.unreadable.push(`${dir} (${code})`);
      return;
    }
    for (const e of entries) {
      if (facts.scannedFiles >= MAX_FILES) return;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth > 0 && !SKIP_DIRS.has(e.name)) await walk(p, root, depth - 1);
        continue;
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue;
      if (root.only === 'env-files' && !ENV_FILE.test(e.name)) continue;
      try {
        const st = await fs.stat(p);
        if (!st.isFile() || st.size > MAX_FILE_BYTES) continue;
        const text = await fs.readFile(p, 'utf8');
        facts.scannedFiles++;
        const shown = e.isSymbolicLink() ? `${p} (→ ${await fs.realpath(p)})` : p;
        facts.hits.push(...scanText(shown, text, secrets));
      } catch (err) {
        facts.unreadable.push(`${p} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  };
  for (const root of roots) await walk(root.dir, root, root.depth);
  return facts;
}
