import { labelFilter } from './labels';
import type { DockerEngine, EngineStream } from './types';

export interface DockerEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/**
 * Follows Docker's event stream for one stack's containers (filtered by label, so nobody else's
 * objects are seen) and calls `onEvent` for each. Reconnects with a short back-off when the
 * stream ends (engine restart). Returns the function that stops watching.
 */
export function watchStackEvents(
  engine: DockerEngine,
  stackName: string,
  onEvent: (ev: DockerEvent) => void,
  onDisconnect: (err: unknown) => void = () => undefined,
): () => void {
  let closed = false;
  let stream: EngineStream | null = null;
  let retry: NodeJS.Timeout | null = null;
  const abort = new AbortController();

  const connect = async () => {
    if (closed) return;
    try {
      const s = await engine.events({ type: ['container'], ...labelFilter(stackName) }, { signal: abort.signal });
      if (closed) {
        s.destroy();
        return;
      }
      stream = s;
      let buf = '';
      s.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          try {
            onEvent(JSON.parse(line) as DockerEvent);
          } catch {
            // A torn line from a dying stream; the reconnect re-reads the state anyway.
          }
        }
      });
      const again = (err?: unknown) => {
        if (closed || stream !== s) return;
        stream = null;
        onDisconnect(err);
        retry = setTimeout(() => void connect(), 1000);
      };
      s.on('error', again);
      s.on('end', () => again());
      s.on('close', () => again());
    } catch (err) {
      if (closed) return;
      onDisconnect(err);
      retry = setTimeout(() => void connect(), 1000);
    }
  };
  void connect();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    abort.abort();
    stream?.destroy();
    stream = null;
  };
}
