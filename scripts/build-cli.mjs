#!/usr/bin/env node
// Bundles the `gatehouse` CLI (electron/cli/main.ts and the core it uses, zod included) into one
// CommonJS file, dist/cli.cjs, which bin/gatehouse.js loads with its code cache. One file
// instead of ~150 modules keeps `gatehouse start` short: Node resolves, reads and compiles one file,
// and the cache skips most of the compiling.
// dockerode and docker-modem are bundled (their load is on the path of every command); kept
// external: keytar (a native addon) and dockerode's native/optional parts (ssh2 with its native
// cpu-features, gRPC and protobufjs for BuildKit, tar-fs for build contexts), which
// electron/core/docker/dockerode-loader.ts defers until first use; they resolve from node_modules.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE = path.join(root, 'dist', 'cli.cjs');

export async function buildCli(outfile = CLI_BUNDLE) {
  await build({
    entryPoints: [path.join(root, 'electron', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['keytar', 'electron', 'ssh2', 'cpu-features', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'tar-fs'],
    sourcemap: false,
    // esbuild escapes every non-ASCII character of code (strings, templates, regular expressions,
    // names) as \u…; only comments keep theirs.
    charset: 'ascii',
    legalComments: 'none',
    logLevel: 'warning',
  });
  asciiComments(outfile);
  return outfile;
}

/**
 * Makes the bundle pure ASCII by spelling the few typographic characters left in its comments
 * (dashes, ellipses, quotes) in ASCII. V8 then holds the 2.7 MB source as a one-byte string
 * instead of a two-byte one: read, hashed and scanned on every CLI run, that is several ms.
 */
function asciiComments(file) {
  const source = fs.readFileSync(file, 'utf8');
  const spelled = { '\u2014': '--', '\u2013': '-', '\u2026': '...', '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"', '\u2192': '->', '\u00d7': 'x', '\u2265': '>=', '\u2264': '<=' };
  const ascii = source.replace(/[^\x00-\x7f]/g, (ch) => spelled[ch] ?? '?');
  if (ascii !== source) fs.writeFileSync(file, ascii);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli();
  console.log('CLI bundled: dist/cli.cjs');
}
