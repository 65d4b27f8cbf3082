import { demuxDockerLog } from '../engine/container-logs';
import { normalizeDockerTime, toDockerSince } from '../engine/log-stream';
import type { DockerEngine } from '../engine/types';

/** How far back the scan reads: LiteLLM prints its settings at boot, so the start of a run matters most. */
export const LOG_SCAN_LINES = 20_000;

/** Lines of text holding any of the secrets (secrets shorter than 8 characters are ignored). */
export function countSecretLines(lines: string[], secrets: string[]): number {
  const wanted = secrets.filter((s) => s.length >= 8);
  return lines.filter((line) => wanted.some((s) => line.includes(s))).length;
}

/**
 * Reads the gateway container's own log (what Docker keeps on disk, including lines from before
 * Gatehouse started watching) and counts the lines that hold a secret. With `startedAt` only the
 * container's current run counts: what an earlier run printed (before a restart with another
 * log level, say) is history, not what the gateway does now.
 */
export async function scanContainerLogs(engine: DockerEngine, id: string, tty: boolean, secrets: string[], startedAt: string | null = null): Promise<{ secretLines: number; scannedLines: number }> {
  // Docker's own nanosecond time, so a line of the previous run in the same second is not counted.
  const start = startedAt ? normalizeDockerTime(startedAt) : null;
  const raw = await engine.containerLogs(id, { stdout: true, stderr: true, tail: LOG_SCAN_LINES, follow: false, ...(start ? { since: toDockerSince(start) } : {}) });
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
  const text = tty ? buf.toString('utf8') : demuxDockerLog(buf).map((f) => f.text).join('');
  const lines = text.split('\n').filter((l) => l.length > 0);
  return { secretLines: countSecretLines(lines, secrets), scannedLines: lines.length };
}
