/**
 * `npm run bench`: every budget from DESIGN.md and the issues, measured side by side in one run.
 * Prints a table and writes bench/results.json; exits 1 when a figure misses its target.
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
};

function passes(r: BenchResult): boolean {
  return r.better === 'lower' ? r.value <= r.target : r.value >= r.target;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(MODULES);
  const all: (BenchResult & { module: string; ok: boolean })[] = [];
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
      const row = { ...r, module: name, ok: passes(r) };
      all.push(row);
      console.log(`  ${row.ok ? 'PASS' : 'MISS'} ${r.name}: ${r.value.toFixed(3)} ${r.unit} (target ${r.better === 'lower' ? '≤' : '≥'} ${r.target}; ${r.detail})`);
    }
  }
  fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify({ at: new Date().toISOString(), results: all }, null, 2) + '\n');
  const missed = all.filter((r) => !r.ok).length;
  console.log(`\n${all.length - missed} within budget, ${missed} missed`);
  process.exitCode = missed ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
