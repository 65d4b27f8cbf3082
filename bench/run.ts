/**
 * `npm run bench`: every budget from DESIGN.md and the issues, measured side by side in one run.
 * Prints a table and merges the figures into bench/results.json (per module); exits 1 when a
 * figure misses its target.
 *   npm run bench                 all modules
 *   npm run bench -- start logs   only these modules (file names in bench/)
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchModule, BenchResult } from './types';

// Each area adds its module here.
const MODULES: Record<string, () => Promise<BenchModule>> = {
  start: async () => (require('./start') as typeof import('./start')).default,
  rotate: async () => (require('./rotate') as typeof import('./rotate')).default,
  // require: this file compiles to CommonJS, where import() of a sibling needs an extension.
  logs: async () => (require('./logs') as typeof import('./logs')).default,
  renderer: async () => (require('./renderer') as typeof import('./renderer')).default,
  swarm: async () => (require('./swarm') as typeof import('./swarm')).default,
};

function passes(r: BenchResult): boolean {
  if (r.target === null) return true;
  return r.better === 'lower' ? r.value <= r.target : r.value >= r.target;
}

type Row = BenchResult & { module: string; ok: boolean; at: string };
const RESULTS = path.join(__dirname, 'results.json');

/**
 * Merges this run into bench/results.json per module: a module that ran replaces its own rows,
 * the rows of modules that did not run (not asked for, or skipped here) are kept with their time.
 */
function writeResults(rows: Row[]): void {
  let previous: Row[] = [];
  try {
    const old = JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as { at?: string; results?: Row[] };
    previous = (old.results ?? []).map((r) => ({ ...r, at: r.at ?? old.at ?? 'unknown' }));
  } catch {
    // No file yet, or unreadable: start afresh.
  }
  const ran = new Set(rows.map((r) => r.module));
  const results = [...previous.filter((r) => !ran.has(r.module)), ...rows];
  fs.writeFileSync(RESULTS, JSON.stringify({ at: new Date().toISOString(), results }, null, 2) + '\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(MODULES);
  const all: Row[] = [];
  const at = new Date().toISOString();
  for (const name of names) {
    const load = MODULES[name];
    if (!load) throw new Error(`Unknown bench module "${name}"; known: ${Object.keys(MODULES).join(', ')}`);
    const mod = await load();
    const avail = await mod.available();
    if (avail !== true) {
      console.log(`- ${mod.title}: skipped (${avail})`);
      continue;
    }
    console.log(`- ${mod.title} …`);
    for (const r of await mod.run()) {
      const row: Row = { ...r, module: name, ok: passes(r), at };
      all.push(row);
      const budget = r.target === null ? 'no budget, reported' : `target ${r.better === 'lower' ? '≤' : '≥'} ${r.target}`;
      console.log(`  ${r.target === null ? 'INFO' : row.ok ? 'PASS' : 'MISS'} ${r.name}: ${r.value.toFixed(3)} ${r.unit} (${budget}; ${r.detail})`);
    }
  }
  writeResults(all);
  const missed = all.filter((r) => !r.ok).length;
  const reported = all.filter((r) => r.target === null).length;
  console.log(`\n${all.length - missed - reported} within budget, ${missed} missed${reported ? `, ${reported} reported without a budget` : ''}`);
  process.exitCode = missed ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
