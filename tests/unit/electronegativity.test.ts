import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const script = path.join(root, 'scripts', 'electronegativity.mjs');

/** Runs the CI gate on a fixture folder holding one main-process file. */
function gate(source: string): { code: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eneg-fixture-'));
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'main.js'), source);
  try {
    const r = spawnSync(process.execPath, [script, app], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, out: r.stdout + r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// One fixture, one run (a scan takes ~10 s): four openExternal calls, each differently justified.
const FIXTURE = `const { app, shell } = require('electron');
app.on('web-contents-created', (e, wc) => {
  wc.on('will-navigate', (ev) => ev.preventDefault());
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
});
require('electron').session.defaultSession.setPermissionRequestHandler((w, p, cb) => cb(false));
function unjustified(url) {
  shell.openExternal(url);
}
function justified(url) {
  // electronegativity-justified: OPEN_EXTERNAL_JS_CHECK callers pass allow-listed URLs only
  shell.openExternal(url);
}
function wrongCheck(url) {
  // electronegativity-justified: SANDBOX_JS_CHECK names another check
  shell.openExternal(url);
}
function noReason(url) {
  // electronegativity-justified: OPEN_EXTERNAL_JS_CHECK
  shell.openExternal(url);
}
module.exports = { unjustified, justified, wrongCheck, noReason };
`;

describe('Electronegativity CI gate', { timeout: 300_000 }, () => {
  it('fails on findings the code does not justify in place, and accepts a marker with the check name and a reason', () => {
    const r = gate(FIXTURE);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /UNJUSTIFIED OPEN_EXTERNAL_JS_CHECK at .*main\.js:8 /, 'no marker');
    assert.match(r.out, /justified +OPEN_EXTERNAL_JS_CHECK at .*main\.js:12 — callers pass allow-listed URLs only/, 'marker with reason');
    assert.match(r.out, /UNJUSTIFIED OPEN_EXTERNAL_JS_CHECK at .*main\.js:16 /, 'marker for another check');
    assert.match(r.out, /UNJUSTIFIED OPEN_EXTERNAL_JS_CHECK at .*main\.js:20 /, 'marker without a reason');
    // A global finding has no place to be justified: the fixture has no CSP anywhere.
    assert.match(r.out, /UNJUSTIFIED CSP_GLOBAL_CHECK at \(whole app\)/);
    assert.match(r.out, /1 justified, 4 unjustified/);
  });
});
