import type Docker from 'dockerode';
import { loadDockerode } from './dockerode-loader';
import { GatehouseError } from '../errors';

/**
 * The Docker endpoint Gatehouse talks to. dockerode (docker-modem) honours DOCKER_HOST the way
 * the docker CLI does: unix:// sockets, npipe:// on Windows, tcp:// with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH, and ssh://user@host (through the remote `docker system dial-stdio`).
 */
export interface DockerEndpoint {
  /** What a person would recognise: "unix:///var/run/docker.sock", "tcp://10.0.0.5:2376 (TLS)", … */
  description: string;
  kind: 'unix' | 'npipe' | 'tcp' | 'ssh';
  tls: boolean;
  socketPath: string | null;
}

export function describeEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const host = env.DOCKER_HOST?.trim();
  if (!host) {
    if (process.platform === 'win32') {
      return { description: 'npipe:////./pipe/docker_engine', kind: 'npipe', tls: false, socketPath: '//./pipe/docker_engine' };
    }
    return { description: 'unix:///var/run/docker.sock', kind: 'unix', tls: false, socketPath: '/var/run/docker.sock' };
  }
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    return { description: host, kind: 'unix', tls: false, socketPath };
  }
  if (host.startsWith('npipe://')) return { description: host, kind: 'npipe', tls: false, socketPath: host.slice('npipe://'.length) };
  if (host.startsWith('ssh://')) return { description: host, kind: 'ssh', tls: false, socketPath: null };
  const tls = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
  return { description: `${host}${tls ? ' (TLS)' : ' (no TLS)'}`, kind: 'tcp', tls, socketPath: null };
}

/**
 * Why a secret must not be sent to this engine, or null when it may. A plain `tcp://` engine
 * (no TLS) receives container Env, exec Env and Swarm secrets in clear over the network; the
 * unix socket, the named pipe, TLS and SSH do not expose them on the wire.
 */
export function secretTransportRisk(ep: DockerEndpoint): string | null {
  if (ep.kind === 'tcp' && !ep.tls) return `the Docker engine at ${ep.description} is reached over plain TCP without TLS, so the key would cross the network in clear`;
  return null;
}

/** The one guard before any engine request that carries a secret (create with secret Env, exec Env, Swarm secret). */
export function assertSecretsMayCross(env: NodeJS.ProcessEnv = process.env): void {
  const risk = secretTransportRisk(describeEndpoint(env));
  if (!risk) return;
  throw new GatehouseError(
    'SETTINGS_INVALID',
    `Gatehouse refused to send a secret to Docker: ${risk}.`,
    'Use TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem (port 2376), or reach the engine over SSH: DOCKER_HOST=ssh://user@host.',
  );
}

/**
 * How this process reaches the gateway for a probe: over HTTP on this machine when the engine is
 * local, and from inside the gateway container (Docker exec, through the engine's own TLS or SSH
 * connection) when the engine is remote, so no key travels in clear off this machine.
 */
export type ProbeTransport = 'host-http' | 'container-exec';

export function probeTransportFor(ep: DockerEndpoint): ProbeTransport {
  return ep.kind === 'tcp' || ep.kind === 'ssh' ? 'container-exec' : 'host-http';
}

export function createDocker(env: NodeJS.ProcessEnv = process.env): Docker {
  const DockerClass = loadDockerode();
  // docker-modem reads process.env itself; pass the same variables explicitly so a caller's env
  // (tests, the app's settings) wins over the process's.
  const host = env.DOCKER_HOST?.trim();
  if (!host) return new DockerClass();
  if (host.startsWith('unix://')) return new DockerClass({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('npipe://')) return new DockerClass({ socketPath: host.slice('npipe://'.length) });
  if (host.startsWith('ssh://')) {
    const url = new URL(host);
    return new DockerClass({ protocol: 'ssh', host: url.hostname, port: url.port ? Number(url.port) : 22, username: url.username || undefined } as Docker.DockerOptions);
  }
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  const ep = describeEndpoint(env);
  if (ep.tls) {
    const fs = require('node:fs') as typeof import('node:fs');
    const path = require('node:path') as typeof import('node:path');
    const certDir = env.DOCKER_CERT_PATH || path.join(require('node:os').homedir(), '.docker');
    return new DockerClass({
      protocol: 'https',
      host: url.hostname,
      port: Number(url.port || 2376),
      ca: fs.readFileSync(path.join(certDir, 'ca.pem')),
      cert: fs.readFileSync(path.join(certDir, 'cert.pem')),
      key: fs.readFileSync(path.join(certDir, 'key.pem')),
    });
  }
  return new DockerClass({ protocol: 'http', host: url.hostname, port: Number(url.port || 2375) });
}

/**
 * Turns a low-level error from talking to the engine into DOCKER_UNREACHABLE or
 * DOCKER_PERMISSION, naming the endpoint tried. Returns null for errors that are the engine's
 * answer to a request (those are handled where the request is made).
 */
export function connectionError(err: unknown, env: NodeJS.ProcessEnv = process.env): GatehouseError | null {
  const e = err as NodeJS.ErrnoException & { statusCode?: number };
  const ep = describeEndpoint(env);
  const via = env.DOCKER_HOST ? `DOCKER_HOST=${ep.description}` : ep.description;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') {
    return new GatehouseError(
      'DOCKER_PERMISSION',
      `Permission denied on the Docker socket ${via}.`,
      process.platform === 'linux'
        ? 'Add your user to the "docker" group (sudo usermod -aG docker $USER, then log out and in), or point DOCKER_HOST at a socket you may use (for example rootless Docker).'
        : 'Make sure Docker Desktop is running for your user, or point DOCKER_HOST at an engine you may use.',
      { cause: err },
    );
  }
  if (['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'].includes(e?.code ?? '')) {
    return new GatehouseError(
      'DOCKER_UNREACHABLE',
      `Docker is not reachable at ${via} (${e.code}).`,
      env.DOCKER_HOST
        ? 'Start the Docker engine at that address, or unset DOCKER_HOST to use the local one.'
        : process.platform === 'linux'
          ? 'Start Docker (sudo systemctl start docker, or start Docker Desktop) and try again.'
          : 'Start Docker Desktop and try again.',
      { cause: err },
    );
  }
  return null;
}

/**
 * The one place a failed Docker call becomes a GatehouseError: connection faults name the
 * endpoint, an aborted call is CANCELLED, anything else is the engine's own answer to `action`.
 */
export function dockerFailure(err: unknown, action: string, env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): GatehouseError {
  if (err instanceof GatehouseError) return err;
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof GatehouseError ? reason : new GatehouseError('CANCELLED', `${action} was cancelled.`, null, { cause: err });
  }
  const conn = connectionError(err, env);
  if (conn) return conn;
  const e = err as { statusCode?: number; json?: { message?: string }; message?: string };
  const why = e?.json?.message ?? e?.message ?? String(err);
  return new GatehouseError(
    'INTERNAL',
    `Docker could not ${action}: ${why}.`,
    'Check the Docker engine (docker info) and try again; if it persists, report it with this message.',
    { cause: err },
  );
}

/** Docker's status code of a failed call, if it was the engine's answer (also behind a mapped error). */
export function engineStatus(err: unknown): number | undefined {
  const e = err as { statusCode?: number; cause?: { statusCode?: number } } | null;
  return e?.statusCode ?? e?.cause?.statusCode;
}

/** Docker's own words for a refused call (behind a mapped error too). */
export function engineReason(err: unknown): string {
  const raw = (err instanceof GatehouseError && err.cause ? err.cause : err) as { json?: { message?: string }; message?: string } | null;
  return raw?.json?.message ?? raw?.message ?? String(raw);
}
