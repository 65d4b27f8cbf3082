import Module from 'node:module';
import path from 'node:path';
import type Docker from 'dockerode';

type DockerCtor = typeof Docker;

/**
 * Loads dockerode without paying, at start-up, for the parts Gatehouse rarely uses: docker-modem
 * requires ssh2 (only for ssh:// DOCKER_HOST) and dockerode requires gRPC + protobuf (only for
 * BuildKit sessions) at load time, together ~300 ms of every CLI command on this machine, which
 * alone would break the start budget. They are put in the module cache as stand-ins that load the
 * real module the first time they are used, so ssh:// (and image builds) still work, loaded on demand.
 */
let loaded: DockerCtor | null = null;

function deferModule(request: string, fromDir: string, shape: (load: () => Record<string, unknown>) => unknown): void {
  let resolved: string;
  try {
    resolved = require.resolve(request, { paths: [fromDir] });
  } catch {
    return; // not installed (optional): nothing to defer
  }
  if (require.cache[resolved]) return;
  let real: Record<string, unknown> | null = null;
  const load = () => {
    if (real) return real;
    delete require.cache[resolved];
    real = require(resolved) as Record<string, unknown>;
    return real;
  };
  const m = new Module(resolved);
  m.filename = resolved;
  m.loaded = true;
  m.exports = shape(load);
  require.cache[resolved] = m;
}

/** A stand-in whose every property is read from the real module, loaded on first access. */
const lazyObject = (load: () => Record<string, unknown>) =>
  new Proxy({}, { get: (_t, prop) => load()[prop as string], has: (_t, prop) => prop in load() });

export function loadDockerode(): DockerCtor {
  if (loaded) return loaded;
  try {
    const dockerodeDir = path.dirname(require.resolve('dockerode/package.json'));
    const modemDir = path.dirname(require.resolve('docker-modem/package.json', { paths: [dockerodeDir] }));
    // docker-modem reads `require('ssh2').Client` at load time: hand it a constructor that
    // builds the real client when an ssh:// connection is actually made.
    deferModule('ssh2', modemDir, (load) => ({
      Client: function LazySshClient(...args: unknown[]) {
        const Real = load().Client as new (...a: unknown[]) => object;
        return new Real(...args);
      },
    }));
    deferModule('@grpc/grpc-js', dockerodeDir, lazyObject);
    deferModule('@grpc/proto-loader', dockerodeDir, lazyObject);
    // Only image builds pack a context: tar-fs and the .dockerignore parser can wait too.
    deferModule('tar-fs', dockerodeDir, lazyObject);
  } catch {
    // Resolution quirks (bundled app): fall back to loading everything up front.
  }
  loaded = require('dockerode') as DockerCtor;
  return loaded;
}
