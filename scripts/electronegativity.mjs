#!/usr/bin/env node
// Runs Electronegativity (@doyensec/electronegativity) over the app's Electron and renderer
// sources, reads its SARIF output and fails on every finding the code does not justify in place.
// Electronegativity itself exits 0 whatever it finds, so this script is what makes CI fail.
//
// A finding is justified by a comment on its line or in the comment block right above it:
//
//     // electronegativity-justified: OPEN_EXTERNAL_JS_CHECK only allow-listed https URLs reach here
//
// The check name must match the finding's rule id and a reason must follow. Usage:
//   node scripts/electronegativity.mjs            electron/ and renderer/ (CI runs this)
//   node scripts/electronegativity.mjs DIR…       other folders (the unit test's fixtures)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const cli = path.join(path.dirname(require.resolve('@doyensec/electronegativity/package.json')), 'dist', 'index.js');
const electronVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
// The app's trees by default; tests pass fixture folders (absolute, or relative to the cwd).
const args = process.argv.slice(2);
const INPUTS = (args.length ? args.map((a) => path.resolve(a)) : ['electron', 'renderer'].map((d) => path.join(root, d)));
const MARKER = /electronegativity-justified:\s*([A-Z0-9_]+)\s+(\S.*)$/;

/** The justification for `ruleId` at `line` (1-based): on the line itself or the comment block above. */
function justification(lines, line, ruleId) {
  const check = (text) => {
    const m = MARKER.exec(text ?? '');
    return m && m[1] === ruleId ? m[2].replace(/\s*(-->|\*\/|\*\/\})\s*$/, '').trim() || null : null;
  };
  const own = check(lines[line - 1]);
  if (own) return own;
  for (let i = line - 2; i >= 0; i--) {
    const t = lines[i].trim();
    if (!(t.startsWith('//') || t.startsWith('*') || t.startsWith('/*') || t.startsWith('{/*') || t.startsWith('<!--'))) break;
    const j = check(t);
    if (j) return j;
  }
  return null;
}

// One run over both trees together, so the global checks (navigation limits, permission handler)
// see the main-process code that satisfies them. The copy keeps the relative paths, so every
// finding maps back to the real file.
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'electronegativity-'));
const scan = path.join(out, 'src');
let unjustified = 0;
let justified = 0;
try {
  for (const input of INPUTS) fs.cpSync(input, path.join(scan, path.basename(input)), { recursive: true });
  const sarif = path.join(out, 'report.sarif');
  const r = spawnSync(process.execPath, [cli, '-i', scan, '-o', sarif, '-r', '-v', 'false', '-e', electronVersion], {
    cwd: root,
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  if (!fs.existsSync(sarif)) {
    console.error(`Electronegativity produced no SARIF (exit ${r.status}):\n${r.stderr}${r.stdout}`);
    process.exit(1);
  }
  const report = JSON.parse(fs.readFileSync(sarif, 'utf8'));
  const results = report.runs.flatMap((run) => run.results ?? []);
  console.log(`Electronegativity scan (Electron ${electronVersion}) of ${INPUTS.map((i) => path.relative(root, i) || '.').join(', ')}: ${results.length} finding(s)`);
  for (const res of results) {
    const loc = res.locations?.[0]?.physicalLocation;
    const uri = decodeURIComponent((loc?.artifactLocation?.uri ?? '').replace(/^file:\/\//, ''));
    const line = loc?.region?.startLine ?? 0;
    const [top, ...rest] = uri.split('/');
    const base = INPUTS.find((i) => path.basename(i) === top);
    const file = uri && base ? path.join(base, ...rest) : null;
    const lines = file !== null && fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8').split('\n') : [];
    // A global finding without a file (e.g. "no navigation limits anywhere") cannot be justified in
    // place: it must be fixed.
    const why = lines.length && line > 0 ? justification(lines, line, res.ruleId) : null;
    const where = file !== null && lines.length ? `${path.relative(root, file)}:${line}` : '(whole app)';
    if (why) {
      justified++;
      console.log(`  justified   ${res.ruleId} at ${where} — ${why}`);
    } else {
      unjustified++;
      console.log(`  UNJUSTIFIED ${res.ruleId} at ${where} — ${res.message?.text ?? ''}`);
    }
  }
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
console.log(`\nElectronegativity: ${justified} justified, ${unjustified} unjustified finding(s).`);
if (unjustified > 0) {
  console.log('Fix each unjustified finding, or justify it next to the code with');
  console.log('  // electronegativity-justified: <CHECK_NAME> <reason>');
  process.exit(1);
}
