import type { ErrorPayload } from '../../shared/api';
import { withFix } from './exit-codes';

/** Where a command writes; tests pass their own streams. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** Whole seconds from `since` to `now` (epoch ms), never negative: the one count a waiting line shows. */
export function elapsedSeconds(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / 1000));
}

/** `gatehouse: what failed and why` / `  fix: what to do` / `  (error code X)`: always all three. */
export function printError(io: CliIO, payload: ErrorPayload): void {
  const err = withFix(payload);
  io.stderr.write(`gatehouse: ${err.message}\n  fix: ${err.fix}\n  (error code ${err.code})\n`);
}

/** `Label:  value` lines with the values in one column (status, key info, claude status, db status). */
export function formatRows(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${v}`).join('\n') + '\n';
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * One progress line that fits `columns` (one column spare, so the terminal never wraps it: a
 * wrapped line cannot be redrawn with \r and leaves its first half behind). The bar shrinks
 * first, then the detail goes, then the label is shortened.
 */
export function progressLine(label: string, percent: number | null, detail: string, columns: number): string {
  const max = Math.max(1, columns - 1);
  const pct = percent === null ? '  ? %' : `${percent.toFixed(0).padStart(3)} %`;
  const barWidth = Math.max(10, Math.min(40, max - label.length - pct.length - (detail ? detail.length + 1 : 0) - 2));
  const filled = percent === null ? 0 : Math.round((percent / 100) * barWidth);
  const bar = percent === null ? '·'.repeat(barWidth) : '█'.repeat(filled) + '░'.repeat(barWidth - filled);
  let tail = ` ${bar} ${pct}${detail ? ` ${detail}` : ''}`;
  if (label.length + tail.length > max) tail = ` ${bar} ${pct}`;
  let head = label;
  if (head.length + tail.length > max) head = head.slice(0, Math.max(0, max - tail.length - 1)) + '…';
  const line = head + tail;
  return line.length > max ? line.slice(0, max) : line;
}

/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines (at most one per 10 %, or per
 * status change) when not a TTY, so logs of scripts stay readable.
 */
export class ProgressReporter {
  private lastPlain = '';
  private drawn = false;
  private ticker: NodeJS.Timeout | null = null;

  constructor(private readonly io: CliIO) {}

  update(label: string, percent: number | null, detail = ''): void {
    this.stopCounting();
    const stream = this.io.stderr;
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${progressLine(label, percent, detail, stream.columns || 80)}`);
      this.drawn = true;
      return;
    }
    const bucket = percent === null ? 'n/a' : String(Math.floor(percent / 10) * 10);
    const key = `${label}|${bucket}`;
    if (key === this.lastPlain) return;
    this.lastPlain = key;
    stream.write(`${label}${percent === null ? '' : ` ${percent.toFixed(0)}%`}${detail ? ` ${detail}` : ''}\n`);
  }

  line(text: string): void {
    this.done();
    this.io.stderr.write(text + '\n');
  }

  /**
   * A live line with the seconds waited so far, redrawn every second until the next output
   * (for waits the core announces once, such as a rotation's verify step). `render` gets the
   * whole seconds since `since`; written once per `key` when not a terminal, as `live` does.
   */
  counting(key: string, render: (seconds: number) => string, since = Date.now()): void {
    this.stopCounting();
    const draw = () => this.drawLive(render(elapsedSeconds(since, Date.now())), key);
    draw();
    if (!this.io.stderr.isTTY) return; // nothing to redraw
    this.ticker = setInterval(draw, 1000);
    this.ticker.unref();
  }

  private stopCounting(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  /**
   * A line that changes in place while something is waited for (the seconds counting up): redrawn
   * on a terminal; elsewhere (logs, pipes) written once per `key` (the phase), not every second.
   */
  live(text: string, key: string): void {
    this.stopCounting();
    this.drawLive(text, key);
  }

  private drawLive(text: string, key: string): void {
    const stream = this.io.stderr;
    if (stream.isTTY) {
      // One column spare and never wrapped: a wrapped line could not be redrawn with \r.
      const max = Math.max(1, (stream.columns || 80) - 1);
      const chars = [...text];
      stream.write(`\r\x1b[2K${chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text}`);
      this.drawn = true;
      return;
    }
    if (key === this.lastPlain) return;
    this.lastPlain = key;
    stream.write(text + '\n');
  }

  done(): void {
    this.stopCounting();
    if (this.drawn) this.io.stderr.write('\n');
    this.drawn = false;
  }
}
