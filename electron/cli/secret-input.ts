import { GatehouseError } from '../core/errors';
import type { CliIO } from './output';

type TtyIn = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * Reads one secret from stdin, never from argv. Piped input is read to its end; on a terminal
 * the secret is typed without echo (raw mode, nothing printed back), so it does not land on the
 * screen or in a scroll-back. A terminal that cannot switch echo off is refused rather than
 * letting the secret show.
 */
export async function readSecret(io: CliIO, prompt: string, signal?: AbortSignal): Promise<string> {
  const stdin = io.stdin as TtyIn;
  if (!stdin.isTTY) {
    let data = '';
    stdin.setEncoding?.('utf8');
    for await (const chunk of stdin) {
      data += String(chunk);
      if (data.length > 64 * 1024) throw new GatehouseError('INVALID_ARGUMENT', 'The input on stdin is far longer than any token.', 'Pipe only the token into the command.');
    }
    return data;
  }
  if (typeof stdin.setRawMode !== 'function') {
    throw new GatehouseError('INVALID_ARGUMENT', 'This terminal cannot hide what is typed, so the token is not read from it.', 'Pipe the token in instead: `claude setup-token | gatehouse claude set-token` or `gatehouse claude set-token < file`.');
  }
  // Echo goes off before the prompt shows: whatever arrives while the terminal is still in
  // cooked mode is echoed by the terminal itself, so a prompt written first lets a quick paste
  // (or a busy machine that runs this process a few ms late) put the secret on the screen.
  stdin.setRawMode(true);
  io.stderr.write(prompt);
  stdin.setEncoding?.('utf8');
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const done = (err: unknown, v?: string) => {
        stdin.off('data', onData);
        signal?.removeEventListener('abort', onAbort);
        io.stderr.write('\n');
        if (err) reject(err);
        else resolve(v ?? '');
      };
      const onAbort = () => done(signal?.reason ?? new GatehouseError('CANCELLED', 'Interrupted.', null));
      const onData = (chunk: string | Buffer) => {
        for (const ch of String(chunk)) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null, value);
          if (ch === '\u0003') return done(new GatehouseError('CANCELLED', 'Interrupted.', null));
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
