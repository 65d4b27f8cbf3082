#!/usr/bin/env node
'use strict';
// Installed entry point: the bundled CLI, dist/cli.cjs (npm run build; scripts/build-cli.mjs).
// From a checkout, `npm run gatehouse -- …` runs the TypeScript sources directly.
//
// The bundle is compiled through a V8 code cache (Node 20 has no module.enableCompileCache): the
// first run stores V8's compiled code, with the functions that run actually used, in the user's
// cache folder; later runs skip most of the parsing and compiling. A stale or foreign cache is
// rejected by V8 and rewritten; any problem with the cache only costs speed, never correctness.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'cli.cjs');

/** The user's own cache folder: code caches are trusted input to V8, so never a shared /tmp path. */
function cacheDir() {
  if (process.env.GATEHOUSE_COMPILE_CACHE === '0') return null;
  if (process.platform === 'win32') return process.env.LOCALAPPDATA ? path.join(process.env.LOCALAPPDATA, 'Gatehouse', 'Cache') : null;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'Gatehouse');
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'gatehouse');
}

function loadBundle() {
  let source;
  try {
    source = fs.readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
  } catch {
    process.stderr.write('gatehouse: the CLI is not built (dist/cli.cjs is missing).\nFix: run `npm run build`, or `npm run gatehouse -- …` from a checkout.\n');
    process.exit(1);
  }
  const dir = cacheDir();
  // Named by the bundle's content and the V8 version, so a rebuild or a Node upgrade starts afresh.
  const id = crypto.createHash('sha256').update(source).update(process.version).update(process.arch).digest('hex').slice(0, 16);
  const cacheFile = dir && path.join(dir, `cli-${id}.v8cache`);
  let cachedData;
  if (cacheFile) {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  const fn = script.runInThisContext();
  fn.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit, so the cache holds the functions this command compiled lazily too.
    process.once('exit', () => {
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
        // Caches of earlier builds are never read again.
        for (const f of fs.readdirSync(dir)) {
          if (/^cli-[0-9a-f]{16}\.v8cache$/.test(f) && f !== path.basename(cacheFile)) fs.rmSync(path.join(dir, f), { force: true });
        }
      } catch {
        // Read-only or full disk: the next run compiles again, nothing more.
      }
    });
  }
  return mod.exports;
}

const { main } = loadBundle();
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`gatehouse: ${String(err)}\n`); process.exitCode = 1; },
);
