#!/usr/bin/env node
// The project's test command (`npm test`). Runs the suites with node's test runner and prints
// one closing line "N passed, N failed, N skipped" summed over all of them.
//
//   npm test                       every suite
//   npm test -- unit               one suite (unit | integration | e2e | security)
//   npm test -- integration tests/integration/stack.test.ts   one file of a suite
//
// Every suite runs inside its own D-Bus session with its own gnome-keyring, unlocked with a
// throw-away password and kept in a fresh XDG_DATA_HOME, so tests use a real Secret Service
// and never see a keyring left locked by another run. The integration, e2e and security suites
// need a running Docker engine and registry and the stand-in images, which this script builds
// (cached by content hash).
//
// The machine: scripts/setup-machine.sh holds the Debian/Ubuntu package list and starts the
// services. Run as root (as CI does), `npm test` installs what is missing and starts them
// itself; otherwise it prints the one command that does.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['unit', 'integration', 'e2e', 'security'];

function listTests(dir) {
  const out = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.ts')) out.push(path.relative(root, p));
    }
  };
  walk(path.join(root, 'tests', dir));
  return out.sort();
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function needsDocker(suite) {
  return suite === 'integration' || suite === 'e2e' || suite === 'security';
}

/**
 * Packages and services for these suites: nothing to do when all are there; as root, installs
 * and starts what is missing (scripts/setup-machine.sh); otherwise names the one command to run.
 */
function ensureMachine(suites) {
  if (process.platform !== 'linux') return true;
  const check = spawnSync('bash', ['scripts/setup-machine.sh', '--check', ...suites], { cwd: root, encoding: 'utf8' });
  if (check.status === 0) return true;
  const missing = `${check.stdout}${check.stderr}`.trim();
  if (process.getuid?.() === 0) {
    console.log(`Setting up this machine for the tests (${missing.replace(/\n/g, '; ')}).`);
    return run('bash', ['scripts/setup-machine.sh', ...suites]) === 0;
  }
  console.error(`This machine is not ready for the ${suites.join(', ')} tests:\n  ${missing.replace(/\n/g, '\n  ')}`);
  console.error(`Run once:  sudo bash scripts/setup-machine.sh ${suites.join(' ')}\nthen \`npm test\` again.`);
  return false;
}

function prepare(suites) {
  if (!ensureMachine(suites)) return false;
  if (suites.some(needsDocker)) {
    const probe = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { cwd: root, encoding: 'utf8' });
    if (probe.status !== 0) {
      console.error('Docker engine not reachable: the integration, e2e and security tests need one. Run `sudo bash scripts/setup-machine.sh --services` (or start Docker your usual way) and try again.');
      console.error(probe.stderr);
      return false;
    }
    if (run('bash', ['scripts/build-standin.sh']) !== 0) return false;
    // The real PostgreSQL image for the database tests (debootstrap once per machine, then cached).
    if (fs.existsSync(path.join(root, 'scripts', 'build-postgres-image.sh')) && run('bash', ['scripts/build-postgres-image.sh']) !== 0) return false;
  }
  if (suites.includes('e2e') && fs.existsSync(path.join(root, 'scripts', 'build-e2e.sh'))) {
    if (run('bash', ['scripts/build-e2e.sh']) !== 0) return false;
  }
  return true;
}

function runSuite(suite, files) {
  return new Promise((resolve) => {
    const summaryFile = path.join(os.tmpdir(), `gatehouse-test-${suite}-${process.pid}.json`);
    const dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-keyring-'));
    const nodeArgs = [
      '--import', 'tsx',
      '--test',
      `--test-concurrency=${suite === 'unit' ? 2 : 1}`,
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/count-reporter.mjs', `--test-reporter-destination=${summaryFile}`,
      ...files,
    ];
    const quoted = nodeArgs.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // gnome-keyring-daemon forks into the background of this session; its own output
    // (the control socket path) is not test output.
    const script = `echo -n gatehouse-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec node ${quoted}`;
    console.log(`\n=== ${suite}: ${files.length} file(s) ===`);
    const child = spawn('dbus-run-session', ['--', 'bash', '-c', script], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, XDG_DATA_HOME: dataHome, GATEHOUSE_TEST: '1', FORCE_COLOR: '0' },
    });
    child.on('exit', (code) => {
      let totals = { passed: 0, failed: 0, skipped: 0 };
      try {
        totals = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
      } catch {
        // The runner died before reporting: count the suite as one failure.
        totals.failed = 1;
      }
      if (code !== 0 && totals.failed === 0) totals.failed = 1;
      fs.rmSync(summaryFile, { force: true });
      fs.rmSync(dataHome, { recursive: true, force: true });
      resolve(totals);
    });
  });
}

async function main() {
  const [suiteArg, ...fileArgs] = process.argv.slice(2);
  const suites = suiteArg ? [suiteArg] : SUITES;
  for (const s of suites) {
    if (!SUITES.includes(s)) {
      console.error(`Unknown suite "${s}"; choose one of ${SUITES.join(', ')}.`);
      process.exit(2);
    }
  }
  const sum = { passed: 0, failed: 0, skipped: 0 };
  if (!prepare(suites)) {
    sum.failed = 1;
  } else {
    for (const suite of suites) {
      const files = fileArgs.length ? fileArgs : listTests(suite);
      if (files.length === 0) continue;
      const t = await runSuite(suite, files);
      sum.passed += t.passed;
      sum.failed += t.failed;
      sum.skipped += t.skipped;
    }
  }
  console.log(`\n${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped`);
  process.exit(sum.failed > 0 ? 1 : 0);
}

main();
