import { GatehouseError } from '../errors';
import { Redactor } from '../logs/redactor';
import { createLineDecoder, FrameDemuxer, type RawLine } from './log-stream';
import type { ContainerDetails, DockerEngine } from './types';

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
export async function tailLines(container: ContainerHandle, n: number, secrets: string[]): Promise<string[]> {
  try {
    const raw = await container.engine.containerLogs(container.id, { stdout: true, stderr: true, tail: n, follow: false, timestamps: true });
    // Lines are cut per stream (a frame may end mid-line, and the next frame may be the other
    // stream's), then put in the order Docker stamped them: the order they were written.
    const lines: RawLine[] = [];
    const decoder = createLineDecoder(false, (l) => lines.push(l));
    decoder.push(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    decoder.end();
    const ordered = lines.map((l, i) => ({ l, i })).sort((a, b) => (a.l.time < b.l.time ? -1 : a.l.time > b.l.time ? 1 : a.i - b.i));
    return ordered
      .map(({ l }) => redactSecrets(l.text, secrets))
      .filter((l) => l.length > 0)
      .slice(-n);
  } catch {
    return [];
  }
}

/** One container of the engine, for code that watches a single container (readiness, last words). */
export interface ContainerHandle {
  readonly engine: DockerEngine;
  readonly id: string;
  /** Its inspect; fails when the container is gone. */
  inspect(signal?: AbortSignal): Promise<ContainerDetails>;
}

export function containerHandle(engine: DockerEngine, id: string, action = 'inspect the container'): ContainerHandle {
  return {
    engine,
    id,
    async inspect(signal?: AbortSignal): Promise<ContainerDetails> {
      const info = await engine.inspectContainer(id, { signal, action });
      if (!info) throw new GatehouseError('NOT_FOUND', `The container ${id.slice(0, 12)} no longer exists.`, 'Start the stack again (gatehouse start).');
      return info;
    },
  };
}
