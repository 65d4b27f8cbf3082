#!/usr/bin/env node
// Bundles electron/preload/preload.ts and what it imports (preload-api, the shared contract) into one
// CommonJS file, dist/preload.cjs: a sandboxed preload can require only 'electron' and a few
// built-ins, never a local file. esbuild comes with tsx and vite.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [path.join(root, 'electron', 'preload', 'preload.ts')],
  outfile: path.join(root, 'dist', 'preload.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'chrome140',
  external: ['electron'],
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
console.log('preload bundled: dist/preload.cjs');
