/**
 * A Docker endpoint that is in no swarm, for the app's "make this engine a single-node swarm" path
 * on a machine whose engine already manages one (and must be left as it is): a proxy on a unix
 * socket in front of the real engine, given to the core as DOCKER_HOST.
 *
 * What Gatehouse relies on behaves as Docker does: until a swarm init reaches it, `GET /info`
 * answers the real engine's info with Swarm as Docker reports an engine in no swarm
 * (LocalNodeState "inactive", ControlAvailable false, no node id, no nodes). `POST /swarm/init` is
 * answered as Docker answers it (200, the node id as a JSON string; here the real engine's own)
 * and recorded, without being sent on: the real engine is a manager already and must not be
 * changed. From then on everything, /info included, is the real engine's, which manages a swarm,
 * as an engine does after its init. Every other request (streams, hijacked exec/attach) passes
 * through unchanged.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const REAL_SOCKET = '/var/run/docker.sock';

export interface EngineWithoutSwarm {
  /** For the core's environment: DOCKER_HOST. */
  dockerHost: string;
  /** The bodies of the swarm inits that reached it (JSON), in order. */
  inits: unknown[];
  /** Whether an init has been answered (the endpoint now reports the real manager). */
  readonly initialized: boolean;
  close(): Promise<void>;
}

function apiPath(url: string | undefined): string {
  return new URL(url ?? '/', 'http://engine').pathname.replace(/^\/v\d+(\.\d+)?(?=\/)/, '');
}

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function engineWithoutSwarm(): Promise<EngineWithoutSwarm> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-noswarm-'));
  const socketPath = path.join(dir, 'docker.sock');
  const inits: unknown[] = [];
  let initialized = false;

  const upstream = (req: http.IncomingMessage, onResponse: (res: http.IncomingMessage) => void, onError: (e: Error) => void): http.ClientRequest => {
    const up = http.request({ socketPath: REAL_SOCKET, method: req.method, path: req.url, headers: req.headers }, onResponse);
    up.on('error', onError);
    return up;
  };

  const server = http.createServer((req, res) => {
    const p = apiPath(req.url);
    const fail = (e: Error): void => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `proxy: ${e.message}` }));
      else res.destroy(e);
    };
    if (!initialized && req.method === 'GET' && p === '/info') {
      const up = upstream(
        req,
        (ur) => {
          void readBody(ur).then((body) => {
            const info = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
            info.Swarm = { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null };
            const out = Buffer.from(JSON.stringify(info));
            res.writeHead(ur.statusCode ?? 200, { 'content-type': 'application/json', 'content-length': out.length });
            res.end(out);
          }, fail);
        },
        fail,
      );
      req.pipe(up);
      return;
    }
    if (!initialized && req.method === 'POST' && p === '/swarm/init') {
      void readBody(req).then(async (body) => {
        inits.push(JSON.parse(body.toString('utf8') || 'null'));
        initialized = true;
        // The node id Docker would answer: the real engine's own (it is the node that now reports itself a manager).
        const info = await new Promise<{ Swarm?: { NodeID?: string } }>((resolve, reject) => {
          http
            .get({ socketPath: REAL_SOCKET, path: '/info' }, (r) => void readBody(r).then((b) => resolve(JSON.parse(b.toString('utf8'))), reject))
            .on('error', reject);
        });
        const out = Buffer.from(JSON.stringify(info.Swarm?.NodeID ?? ''));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
        res.end(out);
      }, fail);
      return;
    }
    const up = upstream(
      req,
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        // Streams (events, logs with follow) must see their headers before the first frame.
        res.flushHeaders();
        ur.pipe(res);
      },
      fail,
    );
    // A client that hangs up (a followed stream cancelled) ends the engine's side too, as Docker sees it directly.
    res.on('close', () => up.destroy());
    req.pipe(up);
  });

  // Hijacked connections (exec and attach streams): raw bytes both ways after the request head.
  // They leave the HTTP server's bookkeeping, so close() ends them itself.
  const hijacked = new Set<net.Socket>();
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const up = net.connect(REAL_SOCKET, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    hijacked.add(socket).add(up);
    const end = (): void => {
      socket.destroy();
      up.destroy();
      hijacked.delete(socket);
      hijacked.delete(up);
    };
    up.on('error', end).on('close', end);
    socket.on('error', end).on('close', end);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    dockerHost: `unix://${socketPath}`,
    inits,
    get initialized() {
      return initialized;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of hijacked) s.destroy();
        server.closeAllConnections();
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
