import type Docker from 'dockerode';
import { Redactor } from '../logs/redactor';
import { FrameDemuxer } from './log-stream';

/**
 * A whole (non-follow) log of a non-TTY container, split into its stdout/stderr frames in order,
 * by the same demuxer the log engine uses.
 */
export function demuxDockerLog(buf: Buffer): { stream: 'stdout' | 'stderr'; text: string }[] {
  const out: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  const demuxer = new FrameDemuxer((stream, payload) => out.push({ stream, text: payload.toString('utf8') }));
  demuxer.push(buf);
  demuxer.end();
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
