#!/usr/bin/env -S node --
'use strict';
// Installed entry point: the bundled CLI, dist/cli.cjs (npm run build; scripts/build-cli.mjs).
// From a checkout, `npm run --silent gatehouse -- …` runs the TypeScript sources directly.
//
// The `--` in the interpreter line: Node (20, 22 and later alike) reads a `--env-file PATH` anywhere
// in its argv, also after the script, and exits with "node: PATH: not found" before any JavaScript
// runs, which would swallow `gatehouse key import --env-file PATH`; Node stops looking at `--`.
//
// Node's own compile cache (module.enableCompileCache, Node 22.1+) keeps V8's compiled code of the
// bundle in the user's cache folder, so later runs skip most of the parsing and compiling. Measured
// against the hand-made vm.Script code cache this file used before: the same load time within
// noise (`gatehouse --version`, min 555 ms both, medians 648 vs 702 ms on a loaded 2-core machine;
// no cache at all ~880 ms), with Node validating the cache itself (content hash, V8 version).
// A stale cache is rewritten; any problem with it only costs speed, never correctness.
// GATEHOUSE_COMPILE_CACHE=0 disables it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Module = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'cli.cjs');

/** The user's own cache folder: code caches are trusted input to V8, so never a shared /tmp path. */
function cacheDir() {
  if (process.env.GATEHOUSE_COMPILE_CACHE === '0') return null;
  if (process.platform === 'win32') return process.env.LOCALAPPDATA ? path.join(process.env.LOCALAPPDATA, 'Gatehouse', 'Cache') : null;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'Gatehouse');
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'gatehouse');
}

function enableCompileCache() {
  const dir = cacheDir();
  if (!dir || typeof Module.enableCompileCache !== 'function') return;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Module.enableCompileCache(dir);
  } catch {
    // Read-only home or the like: run without the cache.
  }
}

enableCompileCache();
let cli;
try {
  cli = require(bundle);
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(bundle)) {
    process.stderr.write('gatehouse: the CLI is not built (dist/cli.cjs is missing).\n  fix: run `npm run build` in the checkout, or `npm run --silent gatehouse -- …` there.\n  (error code NOT_FOUND)\n');
    process.exit(1);
  }
  throw err;
}
cli.main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`gatehouse: ${String(err)}\n  fix: This is a bug in Gatehouse; please report it with the steps that led here.\n  (error code INTERNAL)\n`); process.exitCode = 1; },
);
