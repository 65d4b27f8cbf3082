import type Docker from 'dockerode';
import type { LayerProgress, PullProgress } from '../../../shared/api';
import { GatehouseError } from '../errors';
import { connectionError, statusCodeOf } from './connection';

interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Folds Docker's pull events into one PullProgress: per-layer bytes, summed. A layer counts as
 * fully downloaded once Docker says so ("Download complete", "Extracting", "Pull complete",
 * "Already exists"), so the bar never moves backwards when extraction starts.
 */
export class PullTracker {
  private readonly layers = new Map<string, LayerProgress>();
  private status = 'Pulling';
  private shown: number | null = null;
  private finished = false;

  constructor(private readonly image: string) {}

  apply(ev: PullEvent): PullProgress {
    if (ev.status) this.status = ev.status;
    // Events without an id, or with the tag as id ("Pulling from …"), describe the image, not a layer.
    if (ev.id && ev.status && !/^Pulling from|^Digest:|^Status:/.test(ev.status)) {
      const prev = this.layers.get(ev.id) ?? { id: ev.id, status: ev.status, current: 0, total: 0 };
      const next: LayerProgress = { ...prev, status: ev.status };
      const d = ev.progressDetail ?? {};
      if (ev.status === 'Downloading' && typeof d.total === 'number' && d.total > 0) {
        next.total = d.total;
        next.current = Math.min(d.current ?? 0, d.total);
      } else if (/^(Download complete|Verifying Checksum|Extracting|Pull complete|Already exists)/.test(ev.status)) {
        if (ev.status === 'Extracting' && typeof d.total === 'number' && d.total > 0 && next.total === 0) next.total = d.total;
        next.current = next.total;
      }
      this.layers.set(ev.id, next);
    }
    return this.snapshot();
  }

  snapshot(): PullProgress {
    const layers = [...this.layers.values()];
    const totalBytes = layers.reduce((n, l) => n + l.total, 0);
    const currentBytes = layers.reduce((n, l) => n + l.current, 0);
    let percent: number | null = null;
    if (this.finished) percent = 100;
    else if (totalBytes > 0) {
      // Layers whose size is not known yet make this an estimate: never let it go backwards,
      // and keep 100 for the end of the pull.
      percent = Math.max(this.shown ?? 0, Math.min(99, (currentBytes / totalBytes) * 100));
    }
    if (percent !== null) this.shown = percent;
    return { image: this.image, layers, currentBytes, totalBytes, percent, status: this.status };
  }

  /** The pull has finished: the last snapshot says 100 %. */
  finish(): PullProgress {
    this.finished = true;
    return this.snapshot();
  }
}

function pullFailed(image: string, why: string, cause?: unknown): GatehouseError {
  return new GatehouseError(
    'IMAGE_PULL_FAILED',
    `The image ${image} is not on this machine and pulling it failed: ${why}.`,
    'Check the image name in the settings, your network connection and registry login (docker login), then try again.',
    { cause },
  );
}

/** The local image, or null when it is not on this machine. */
export async function inspectImage(docker: Docker, image: string, signal?: AbortSignal): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(image).inspect({ abortSignal: signal } as object);
  } catch (err) {
    if (statusCodeOf(err) === 404) return null;
    throw err;
  }
}

/** Pulls `image`, reporting per-layer progress; IMAGE_PULL_FAILED with Docker's reason on failure. */
export async function pullImage(
  docker: Docker,
  image: string,
  onProgress: (p: PullProgress) => void,
  signal: AbortSignal | undefined,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const tracker = new PullTracker(image);
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(image, { abortSignal: signal } as object)) as NodeJS.ReadableStream;
  } catch (err) {
    if (signal?.aborted) throw err;
    const conn = connectionError(err, env);
    if (conn) throw conn;
    const e = err as { json?: { message?: string }; message?: string };
    throw pullFailed(image, e?.json?.message ?? e?.message ?? String(err), err);
  }
  onProgress(tracker.snapshot());
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy?: (e?: Error) => void }).destroy?.();
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: PullEvent[]) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return;
        const failed = output?.find((o) => o.error || o.errorDetail);
        if (err) reject(pullFailed(image, err.message, err));
        else if (failed) reject(pullFailed(image, failed.errorDetail?.message ?? failed.error ?? 'unknown error'));
        else {
          onProgress(tracker.finish());
          resolve();
        }
      },
      (ev: PullEvent) => {
        if (!ev.error) onProgress(tracker.apply(ev));
      },
    );
  });
}

/** The "sha256:…" digest under which `image` came from its registry, or null (built locally). */
export function repoDigest(info: Docker.ImageInspectInfo | null, image: string): string | null {
  const digests = info?.RepoDigests ?? [];
  if (digests.length === 0) return null;
  const repo = image.replace(/@sha256:[a-f0-9]+$/, '').replace(/:[\w][\w.-]*$/, '');
  const match = digests.find((d) => d.startsWith(repo + '@')) ?? digests[0];
  const at = match?.indexOf('@') ?? -1;
  return match && at !== -1 ? match.slice(at + 1) : null;
}
