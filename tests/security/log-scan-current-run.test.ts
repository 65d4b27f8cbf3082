// The log-secret finding counts what the gateway prints now: lines of the container's current
// run, not what an earlier run of the same container printed (a real container, restarted).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import Docker from 'dockerode';
import type { DockerEngine } from '../../electron/core/engine/types';
import { scanContainerLogs } from '../../electron/core/security/log-scan';
import { ROOT } from './helpers';

const IMAGE = 'gatehouse-test/litellm-standin:plain';
const docker = new Docker();
let id = '';

before(() => {
  // The stand-in image (node and nothing else), built by the test runner for the Docker suites;
  // built here too when this suite runs alone (cached by content hash).
  const r = spawnSync('bash', ['scripts/build-standin.sh'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(async () => {
  if (id) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
});

async function runOnce(c: Docker.Container): Promise<void> {
  await c.start();
  await c.wait();
}

test('log-scan-current-run: a key printed by an earlier run of the container is not counted against the current run', async () => {
  const secret = 'sk-' + crypto.randomBytes(24).toString('hex');
  // First run: prints the key (a debug level, say); every later run is quiet.
  const script = "const fs=require('fs');if(!fs.existsSync('/tmp/ran')){fs.writeFileSync('/tmp/ran','1');console.log('master_key='+process.env.S)}else{console.log('quiet run')}";
  const c = await docker.createContainer({
    Image: IMAGE,
    Entrypoint: ['/usr/bin/node', '-e', script],
    Env: [`S=${secret}`],
    Labels: { 'io.gatehouse.stack': `ghsec-logscan-${process.pid}` },
  });
  id = c.id;
  await runOnce(c);
  await new Promise((r) => setTimeout(r, 50));
  await runOnce(c);
  const info = await c.inspect();
  const engine = { containerLogs: (cid: string, q: object) => docker.getContainer(cid).logs({ ...q, follow: false } as never) } as unknown as DockerEngine;
  const all = await scanContainerLogs(engine, c.id, false, [secret]);
  assert.equal(all.secretLines, 1, 'the whole log holds the first run\'s line');
  const current = await scanContainerLogs(engine, c.id, false, [secret], info.State.StartedAt);
  assert.equal(current.secretLines, 0, 'the current run printed no secret');
  assert.equal(current.scannedLines, 1);
});
