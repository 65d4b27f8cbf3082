import type { ErrorPayload } from '../../shared/api';
import { withFix } from './exit-codes';

/** Where a command writes; tests pass their own streams. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** `gatehouse: what failed and why` / `  fix: what to do` / `  (error code X)`: always all three. */
export function printError(io: CliIO, payload: ErrorPayload): void {
  const err = withFix(payload);
  io.stderr.write(`gatehouse: ${err.message}\n  fix: ${err.fix}\n  (error code ${err.code})\n`);
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines (at most one per 10 %, or per
 * status change) when not a TTY, so logs of scripts stay readable.
 */
export class ProgressReporter {
  private lastPlain = '';
  private drawn = false;

  constructor(private readonly io: CliIO) {}

  update(label: string, percent: number | null, detail = ''): void {
    const stream = this.io.stderr;
    if (stream.isTTY) {
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - detail.length - 12));
      const filled = percent === null ? 0 : Math.round((percent / 100) * width);
      const bar = percent === null ? '·'.repeat(width) : '█'.repeat(filled) + '░'.repeat(width - filled);
      const pct = percent === null ? '  ? %' : `${percent.toFixed(0).padStart(3)} %`;
      stream.write(`\r\x1b[2K${label} ${bar} ${pct} ${detail}`);
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

  done(): void {
    if (this.drawn) this.io.stderr.write('\n');
    this.drawn = false;
  }
}
