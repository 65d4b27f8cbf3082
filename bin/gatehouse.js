#!/usr/bin/env -S node --
'use strict';
// Installed entry point: the bundled CLI, dist/cli.cjs (npm run build; scripts/build-cli.mjs).
// From a checkout, `npm run --silent gatehouse -- …` runs the TypeScript sources directly.
//
// The `--` in the interpreter line: Node (20, 22 and later alike) reads a `--env-file PATH` anywhere
// in its argv, also after the script, and exits with "node: PATH: not found" before any JavaScript
// runs, which would swallow `gatehouse key import --env-file PATH`; Node stops looking at `--`.
//
// Code cache: V8's compiled code of the bundle, kept in the user's cache folder, one file per
// command, written once after that command has run. Written then, it holds the functions the
// command ran (for `start`: the Docker client, the HTTP requests, the settings parse, readiness),
// which V8 otherwise compiles anew in every process. Node's own compile cache
// (module.enableCompileCache) is written before the bundle runs and so holds only its top level:
// measured side by side on `gatehouse start` with the gateway running (the CLI's whole overhead,
// no container work), 330 ms with Node's cache, 282 ms with this one (medians of 15, interleaved).
// The file is named by the bundle's content (CRC-32 and byte length), Node's version and the command;
// V8 checks its own version and flags and rejects anything else, and a rejected or unreadable
// cache only costs speed (it is rewritten), never correctness. GATEHOUSE_COMPILE_CACHE=0 disables it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const zlib = require('node:zlib');
const Module = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'cli.cjs');
const CACHE_PREFIX = 'cli-';

/** The user's own cache folder: code caches are trusted input to V8, so never a shared /tmp path. */
function cacheDir() {
  if (process.env.GATEHOUSE_COMPILE_CACHE === '0') return null;
  if (process.platform === 'win32') return process.env.LOCALAPPDATA ? path.join(process.env.LOCALAPPDATA, 'Gatehouse', 'Cache') : null;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'Gatehouse');
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'gatehouse');
}

/** The bundle's bytes, or null when it is not built. */
function readBundle() {
  try {
    return fs.readFileSync(bundle);
  } catch (err) {
    if (err && err.code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Where this command's code cache lives. The bundle's identity is its content (CRC-32 and length:
 * V8 itself only compares the source's length), so a rebuilt bundle never meets an old cache.
 */
function cachePlace(bytes, argv) {
  const dir = cacheDir();
  if (!dir) return null;
  const word = /^[a-z][a-z-]{0,31}$/.test(argv[0] || '') ? argv[0] : 'other';
  const bundleId = `${process.version}-${process.arch}-${(zlib.crc32(bytes) >>> 0).toString(16)}-${bytes.length}`;
  return { dir, bundleId, file: path.join(dir, `${CACHE_PREFIX}${bundleId}-${word}.v8`) };
}

function readCache(place) {
  if (!place) return undefined;
  try {
    return fs.readFileSync(place.file);
  } catch {
    return undefined; // none yet, or unreadable: compile without it
  }
}

/** Writes the cache atomically (a reader never sees half a file) and drops other bundles' caches. */
function writeCache(place, script) {
  try {
    const data = script.createCachedData();
    fs.mkdirSync(place.dir, { recursive: true, mode: 0o700 });
    const tmp = `${place.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, place.file);
    for (const name of fs.readdirSync(place.dir)) {
      if (name.startsWith(CACHE_PREFIX) && !name.startsWith(`${CACHE_PREFIX}${place.bundleId}-`)) fs.rmSync(path.join(place.dir, name), { force: true });
    }
  } catch {
    // Read-only home or the like: the next run compiles again.
  }
}

/** Runs the bundle as CommonJS module code, as require() would, with the command's code cache. */
function loadBundle(bytes, argv) {
  const place = cachePlace(bytes, argv);
  const cached = readCache(place);
  const source = bytes.toString('utf8');
  // The interpreter line is valid only at the very start of a script; the module wrapper moves it.
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  const script = new vm.Script(Module.wrap(body), { filename: bundle, cachedData: cached });
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  const save = place && (!cached || script.cachedDataRejected) ? () => writeCache(place, script) : () => undefined;
  return { cli: mod.exports, save };
}

const argv = process.argv.slice(2);
const bytes = readBundle();
if (bytes === null) {
  process.stderr.write('gatehouse: the CLI is not built (dist/cli.cjs is missing).\n  fix: run `npm run build` in the checkout, or `npm run --silent gatehouse -- …` there.\n  (error code NOT_FOUND)\n');
  process.exit(1);
}
const { cli, save } = loadBundle(bytes, argv);
cli.main(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => {
    process.exitCode = code;
    // After the command: the cache then holds what it compiled. Once per command and bundle.
    save();
  },
  (err) => { process.stderr.write(`gatehouse: ${String(err)}\n  fix: This is a bug in Gatehouse; please report it with the steps that led here.\n  (error code INTERNAL)\n`); process.exitCode = 1; },
);
