import type Docker from 'dockerode';
import { Redactor } from '../logs/redactor';

/**
 * Splits Docker's multiplexed log stream (non-TTY containers): frames of an 8-byte header
 * (stream type, 3 zero bytes, big-endian length) and the payload.
 */
export function demuxDockerLog(buf: Buffer): { stream: 'stdout' | 'stderr'; text: string }[] {
  const out: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i];
    const len = buf.readUInt32BE(i + 4);
    const payload = buf.subarray(i + 8, Math.min(buf.length, i + 8 + len));
    out.push({ stream: type === 2 ? 'stderr' : 'stdout', text: payload.toString('utf8') });
    i += 8 + len;
  }
  return out;
}

/**
 * Removes the given secret values, then anything shaped like a secret (the log pipeline's own
 * rules, logs/redactor.ts), from text shown to a person.
 */
export function redactSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join('[REDACTED]');
  return new Redactor().redact(out);
}

/**
 * The last `n` lines the container wrote (stdout and stderr, in order), redacted. Used in the
 * CONTAINER_EXITED message: the gateway's own last words are usually the reason.
 */
export async function tailLines(container: Docker.Container, n: number, secrets: string[]): Promise<string[]> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, tail: n, follow: false })) as unknown as Buffer;
    const text = demuxDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)))
      .map((f) => f.text)
      .join('');
    return redactSecrets(text, secrets)
      .split('\n')
      .filter((l) => l.length > 0)
      .slice(-n);
  } catch {
    return [];
  }
}
