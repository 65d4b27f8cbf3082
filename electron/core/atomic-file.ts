import { promises as fs } from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

/**
 * Writes a file so that a reader (or a crash) sees either the old content or the new, never a
 * torn one: write a temp file in the same folder, fsync it, rename over the target, fsync the
 * folder. Files are created 0600 unless `mode` says otherwise: Gatehouse's own files hold no
 * secrets, but they are nobody else's business. `owner` is given back where allowed (only root
 * may give files away), so a rewritten file of the user's stays readable by whoever read it.
 */
export async function writeFileAtomic(file: string, data: string, options: { mode?: number; owner?: { uid: number; gid: number } } = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    // The umask may have narrowed the creation mode; set it exactly.
    await handle.chmod(mode);
    if (options.owner && process.platform !== 'win32') await handle.chown(options.owner.uid, options.owner.gid).catch(() => undefined);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  // fsync of a directory is not supported on Windows; durability there rests on rename.
  if (process.platform !== 'win32') {
    const dirHandle = await fs.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }
}

/**
 * Rewrites an existing file atomically keeping its permission bits and, where allowed, its
 * owner, so a scrubbed .env stays as private as it was and Compose can still read it.
 */
export async function rewriteFileKeepingMode(file: string, data: string): Promise<void> {
  const st = await fs.stat(file);
  await writeFileAtomic(file, data, { mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } });
}

/**
 * Rewrites a file in place, keeping its inode, for a file with several hard links: a rename would
 * give only one of its names the new text. Not atomic, so the new text is first kept in a sibling
 * file (it must be one that may be kept: the scrubbed text, never a secret) until the rewrite is on disk.
 */
export async function rewriteFileInPlace(file: string, data: string): Promise<void> {
  // Opened first: a file that may not be written is refused before anything is left behind.
  const handle = await fs.open(file, 'r+');
  try {
    const st = await handle.stat();
    const copy = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.new`);
    await writeFileAtomic(copy, data, { mode: st.mode & 0o7777 });
    const bytes = Buffer.from(data, 'utf8');
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.truncate(bytes.length);
    await handle.sync();
    // Only once the file itself holds the new text is the copy no longer needed.
    await fs.rm(copy, { force: true });
  } finally {
    await handle.close();
  }
}

/** Reads a JSON file; returns undefined when it does not exist. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as unknown;
}
