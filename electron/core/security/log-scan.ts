import type Docker from 'dockerode';
import { demuxDockerLog } from '../docker/container-logs';

/** How far back the scan reads: LiteLLM prints its settings at boot, so the start of a run matters most. */
export const LOG_SCAN_LINES = 20_000;

/** Lines of text holding any of the secrets (secrets shorter than 8 characters are ignored). */
export function countSecretLines(lines: string[], secrets: string[]): number {
  const wanted = secrets.filter((s) => s.length >= 8);
  return lines.filter((line) => wanted.some((s) => line.includes(s))).length;
}

/**
 * Reads the gateway container's own log (what Docker keeps on disk, including lines from before
 * Gatehouse started watching) and counts the lines that hold a secret.
 */
export async function scanContainerLogs(container: Docker.Container, tty: boolean, secrets: string[]): Promise<{ secretLines: number; scannedLines: number }> {
  const raw = (await container.logs({ stdout: true, stderr: true, tail: LOG_SCAN_LINES, follow: false })) as unknown as Buffer | string;
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
  const text = tty ? buf.toString('utf8') : demuxDockerLog(buf).map((f) => f.text).join('');
  const lines = text.split('\n').filter((l) => l.length > 0);
  return { secretLines: countSecretLines(lines, secrets), scannedLines: lines.length };
}
