import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DiskScanFacts, PlaintextHit } from './facts';

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
export function scanText(file: string, text: string, secrets: string[]): PlaintextHit[] {
  const hits: PlaintextHit[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (secrets.some((s) => s.length >= 8 && line.includes(s))) {
      hits.push({ file, kind: 'master-key', line: i + 1 });
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
 * Looks for the master key in plain text: everywhere in Gatehouse's own folder, and in the .env
 * files of the folders the user registered (an old docker-compose project, say). Bounded in
 * depth, file size and file count, so a huge folder cannot stall the checks.
 */
export async function scanForPlaintextKeys(roots: ScanRoot[], secrets: string[]): Promise<DiskScanFacts> {
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
      if (!e.isFile()) continue;
      if (root.only === 'env-files' && !ENV_FILE.test(e.name)) continue;
      try {
        const st = await fs.stat(p);
        if (st.size > MAX_FILE_BYTES) continue;
        const text = await fs.readFile(p, 'utf8');
        facts.scannedFiles++;
        facts.hits.push(...scanText(p, text, secrets));
      } catch (err) {
        facts.unreadable.push(`${p} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  };
  for (const root of roots) await walk(root.dir, root, root.depth);
  return facts;
}
