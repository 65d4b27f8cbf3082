import type { LayerProgress, PullProgress } from '../../../shared/api';
import { GatehouseError } from '../errors';
import type { ImageDetails } from './types';

export interface PullEvent {
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

/**
 * The registry's reason as one clean clause: Docker repeats parts ("manifest unknown: manifest
 * unknown"), names the image again ("manifest for IMAGE not found: …") and may end in a space or
 * a full stop of its own.
 */
export function pullReason(image: string, why: string): string {
  const parts = why.trim().replace(/[\s.]+$/, '').split(/:\s+/);
  const once = parts.filter((p, i) => i === 0 || p !== parts[i - 1]);
  if (once.length > 1 && /^manifest for \S+ not found$/.test(once[0] ?? '')) once.shift();
  return once.join(': ').replace(new RegExp(`^${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), '') || 'no reason given';
}

/** Docker's answer to a pull that could not be done. */
export function pullFailed(image: string, why: string, cause?: unknown): GatehouseError {
  const reason = pullReason(image, why);
  const missing = /manifest unknown|not found/i.test(reason);
  return new GatehouseError(
    'IMAGE_PULL_FAILED',
    `The image ${image} is not on this machine and pulling it failed: ${missing ? `the registry has no such image or tag (${reason})` : reason}.`,
    'Check the image reference (`gatehouse settings` shows it and whether a GATEHOUSE_* variable sets it), your network connection and registry login (docker login), then try again.',
    { cause },
  );
}

/** The "sha256:…" digest under which `image` came from its registry, or null (built locally). */
export function repoDigest(info: ImageDetails | null, image: string): string | null {
  const digests = info?.RepoDigests ?? [];
  if (digests.length === 0) return null;
  const repo = image.replace(/@sha256:[a-f0-9]+$/, '').replace(/:[\w][\w.-]*$/, '');
  const match = digests.find((d) => d.startsWith(repo + '@')) ?? digests[0];
  const at = match?.indexOf('@') ?? -1;
  return match && at !== -1 ? match.slice(at + 1) : null;
}
