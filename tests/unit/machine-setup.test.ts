/**
 * Set-up in two commands (`npm install`, `npm test`): the Debian package list lives only in
 * scripts/setup-machine.sh, which CI and `npm test` share; `npm test` run by a user who is not
 * root on a machine that lacks something names the one command that sets it up, and still ends
 * with its "N passed, N failed" line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');

describe('machine set-up', () => {
  it('the package list is in one script, and CI installs through it', () => {
    const ci = read('.ci/run')
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    assert.match(ci, /bash scripts\/setup-machine\.sh --packages all/);
    assert.doesNotMatch(ci, /apt-get install/, '.ci/run keeps no package list of its own');
    for (const pkg of ['docker.io', 'gnome-keyring', 'chromium', 'libsecret-1-dev']) {
      assert.doesNotMatch(ci, new RegExp(`\\b${pkg.replace('.', '\\.')}\\b`), `${pkg} is named in .ci/run`);
      assert.match(read('scripts/setup-machine.sh'), new RegExp(`\\b${pkg.replace('.', '\\.')}\\b`));
    }
    assert.match(read('scripts/run-tests.mjs'), /scripts\/setup-machine\.sh/);
  });

  it('--check answers 0 on this prepared machine and refuses an unknown argument', () => {
    const ok = spawnSync('bash', ['scripts/setup-machine.sh', '--check', 'unit'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const bad = spawnSync('bash', ['scripts/setup-machine.sh', '--check', 'everything'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown argument "everything"/);
  });

  it('npm test as a user who is not root, on a machine missing packages, prints the one command and the summary line', { skip: process.getuid?.() !== 0 ? 'needs root to run the check as another user' : false }, () => {
    // A dpkg-query that knows no package stands for a fresh machine.
    const stub = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-fresh-'));
    fs.chmodSync(stub, 0o755);
    fs.writeFileSync(path.join(stub, 'dpkg-query'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    try {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', `PATH=${stub}:${process.env.PATH}`, 'HOME=/tmp', process.execPath, 'scripts/run-tests.mjs', 'unit', 'tests/unit/weak-key.test.ts'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /missing packages: .*gnome-keyring/);
      assert.match(r.stderr, /Run once: {2}sudo bash scripts\/setup-machine\.sh unit\n/);
      assert.match(r.stdout, /^0 passed, 1 failed, 0 skipped$/m);
    } finally {
      fs.rmSync(stub, { recursive: true, force: true });
    }
  });
});
