import type { LogStream } from '../../../shared/api';
import { MAX_LINE_CHARS, capLine, holdPartial } from '../logs/line-cap';

/*
 * Docker's log format, pure: the 8-byte frame header of non-TTY streams, lines split across frames
 * and chunks, and Docker's nanosecond timestamps. engine/log-stream.ts reads a container's log
 * through the engine with it.
 */

/** One line as Docker gave it: its own timestamp, the stream it was written to, the raw text. */
export interface RawLine {
  /** RFC 3339 UTC with exactly nine fractional digits, so that string order is time order. */
  time: string;
  stream: Exclude<LogStream, 'system'>;
  text: string;
}

const STREAM_NAMES: Record<number, RawLine['stream']> = { 1: 'stdout', 2: 'stderr' };

/**
 * Splits Docker's multiplexed log stream (non-TTY containers) into frames: an 8-byte header
 * [stream, 0, 0, 0, size as uint32 big-endian] then `size` bytes. A chunk from the socket may
 * end inside a header or a payload, or hold many frames; the remainder waits for the next chunk.
 */
export class FrameDemuxer {
  private pending: Buffer | null = null;

  constructor(private readonly onFrame: (stream: RawLine['stream'], payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let off = 0;
    const len = buf.length;
    while (len - off >= 8) {
      const size = buf.readUInt32BE(off + 4);
      if (len - off - 8 < size) break;
      const kind = buf[off] as number;
      // stdin (0) never appears in logs; anything unexpected is shown rather than lost.
      this.onFrame(STREAM_NAMES[kind] ?? 'stdout', buf.subarray(off + 8, off + 8 + size));
      off += 8 + size;
    }
    if (off < len) this.pending = Buffer.from(buf.subarray(off));
  }

  /**
   * End of input. A whole log read at once (no follow) may be cut inside its last frame; what
   * there is of it is given rather than dropped. A torn header alone carries nothing.
   */
  end(): void {
    const buf = this.pending;
    this.pending = null;
    if (buf && buf.length >= 8) this.onFrame(STREAM_NAMES[buf[0] as number] ?? 'stdout', buf.subarray(8));
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }
}

/**
 * Turns payload bytes of one stream into complete lines. A line may span frames (Docker splits
 * lines over 16 KiB, and a TTY stream has no frames at all), and a UTF-8 character may span
 * chunks: the decoder keeps the partial bytes and the splitter keeps the partial line.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private partial = '';
  /** Characters of the held line dropped beyond MAX_LINE_CHARS (the partial line never grows past it). */
  private cut = 0;
  private decoderHolds = false;

  constructor(private readonly onLine: (line: string) => void) {}

  private hold(text: string): void {
    const h = holdPartial(this.partial, text);
    this.partial = h.partial;
    this.cut += h.dropped;
  }

  push(bytes: Buffer): void {
    // Fast path: Docker writes one or more whole lines per frame, so a payload that ends in a
    // newline while nothing is held back decodes on its own, without the streaming decoder.
    let text: string;
    if (!this.decoderHolds && this.partial === '' && bytes[bytes.length - 1] === 10) {
      text = bytes.toString('utf8');
      if (text.indexOf('\n') === text.length - 1) {
        this.emit(text.slice(0, -1));
        return;
      }
    } else {
      text = this.decoder.decode(bytes, { stream: true });
      // A payload that ends on an ASCII byte leaves nothing inside the decoder.
      this.decoderHolds = bytes.length > 0 && (bytes[bytes.length - 1] as number) >= 0x80;
    }
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      this.hold(text);
      return;
    }
    if (this.partial) {
      this.emit(this.partial + text.slice(0, nl));
      this.partial = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl !== -1) {
      this.emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) this.hold(text.slice(start));
  }

  /** Emits a last line that had no newline (the stream ended). */
  end(): void {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    this.decoderHolds = false;
    if (rest) this.emit(rest);
  }

  private emit(line: string): void {
    // Windows-style line ends and the carriage returns of progress output.
    const l = line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
    if (this.cut === 0 && l.length <= MAX_LINE_CHARS) return this.onLine(l);
    const capped = capLine(l, this.cut);
    this.cut = 0;
    this.onLine(capped);
  }
}

const NINE_ZEROS = '000000000';

/**
 * Docker's RFC3339Nano drops trailing zeros ("…:05.12Z"); pad the fraction to nine digits so
 * that comparing two times as strings compares them as times. Returns null if `ts` is not one.
 */
export function normalizeDockerTime(ts: string): string | null {
  // 2026-11-28T04:42:18.123456789Z — the common case is already 30 characters.
  if (ts.length === 30 && ts.charCodeAt(19) === 46 && ts.charCodeAt(29) === 90) return ts;
  if (ts.length < 20 || ts.charCodeAt(4) !== 45 || ts.charCodeAt(10) !== 84) return null;
  const base = ts.slice(0, 19);
  const rest = ts.slice(19);
  if (rest === 'Z') return `${base}.${NINE_ZEROS}Z`;
  const m = /^\.(\d{1,9})Z$/.exec(rest);
  if (!m) {
    // Offsets other than Z (an engine with a non-UTC clock setting): let Date do the work.
    const d = new Date(ts);
    return Number.isNaN(d.getTime()) ? null : isoNano(d);
  }
  return `${base}.${(m[1] as string).padEnd(9, '0')}Z`;
}

/** A Date as RFC 3339 with nine fractional digits (the same shape as normalizeDockerTime). */
export function isoNano(d: Date): string {
  return d.toISOString().slice(0, 23) + '000000Z';
}

/** A normalized time as Docker's `since` parameter: seconds.nanoseconds since the epoch. */
export function toDockerSince(time: string): string {
  const ms = Date.parse(time.slice(0, 19) + 'Z');
  return `${Math.floor(ms / 1000)}.${time.slice(20, 29)}`;
}

/**
 * Splits "<timestamp> <text>" (Docker's `timestamps=true` prefix) into its parts. A line without
 * a readable timestamp keeps its text and gets the time it arrived.
 */
export function splitTimestamp(line: string, stream: RawLine['stream']): RawLine {
  const sp = line.indexOf(' ');
  if (sp > 0) {
    const time = normalizeDockerTime(line.slice(0, sp));
    if (time) return { time, stream, text: line.slice(sp + 1) };
  }
  return { time: isoNano(new Date()), stream, text: line };
}

/** Turns a raw log stream (framed or TTY) into timestamped lines. */
export function createLineDecoder(tty: boolean, onLine: (line: RawLine) => void): { push(chunk: Buffer): void; end(): void } {
  if (tty) {
    const out = new LineSplitter((l) => onLine(splitTimestamp(l, 'stdout')));
    return { push: (c) => out.push(c), end: () => out.end() };
  }
  const splitters = {
    stdout: new LineSplitter((l) => onLine(splitTimestamp(l, 'stdout'))),
    stderr: new LineSplitter((l) => onLine(splitTimestamp(l, 'stderr'))),
  };
  const demux = new FrameDemuxer((stream, payload) => splitters[stream].push(payload));
  return {
    push: (c) => demux.push(c),
    end: () => {
      splitters.stdout.end();
      splitters.stderr.end();
    },
  };
}
