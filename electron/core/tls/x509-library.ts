import { webcrypto } from 'node:crypto';

type X509Module = typeof import('@peculiar/x509');

let loaded: X509Module | null = null;

/**
 * The X.509 library (@peculiar/x509 over Node's WebCrypto), loaded on first use: only issuing a
 * certificate needs it, so every other command keeps its start-up time. Its dependency-injection
 * container needs the Reflect metadata polyfill, which must be in place before it loads.
 */
export function x509(): X509Module {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('reflect-metadata');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('@peculiar/x509') as X509Module;
  lib.cryptoProvider.set(webcrypto as unknown as Crypto);
  loaded = lib;
  return lib;
}

export const subtle = webcrypto.subtle;
