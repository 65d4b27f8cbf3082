/**
 * The /bin/sh check swarm mode makes before it creates the gateway's service (swarm/shell-check.ts),
 * against the real engine and a real state store: an image ID is looked at in a throwaway
 * container once, then remembered in state.json (an image ID is its content's hash); an image
 * without a shell is refused each time and never remembered; no throwaway container is left.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerodeEngine } from '../../electron/core/engine/dockerode-engine';
import { LABELS } from '../../electron/core/engine/labels';
import type { DockerEngine } from '../../electron/core/engine/types';
import { StateStore } from '../../electron/core/state-store';
import { ShellCheck } from '../../electron/core/swarm/shell-check';
import { docker, rand, runCommand, SEED } from './stack-helpers';

/** The real engine, counting the calls that make a throwaway container. */
function countingEngine(): { engine: DockerEngine; creates: () => number } {
  const real = new DockerodeEngine(process.env);
  let n = 0;
  const engine = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'createContainer' && typeof value === 'function') {
        return (...args: unknown[]) => {
          n++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { engine, creates: () => n };
}

describe('swarm shell check: remembered by image ID in the state store', () => {
  const stack = `shchk-${rand()}`;
  const noShell = `gatehouse-test/no-shell-check:${rand()}`;
  let home: string;
  let dir: string;
  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-shell-check-'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-nosh-'));
    fs.writeFileSync(path.join(dir, 'hello'), 'no shell here\n');
    const imp = await runCommand(['bash', '-c', `tar -C ${dir} -cf - . | docker import --change 'CMD ["/hello"]' - ${noShell}`], process.env, 60_000, 'docker import');
    assert.equal(imp.code, 0, imp.stderr);
  });
  after(async () => {
    await docker.getImage(noShell).remove().catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const leftovers = async () => docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${stack}`] } });

  test('an image with a shell is looked at once, then known from state.json in a new process', async () => {
    const seedId = (await docker.getImage(SEED).inspect()).Id;
    const first = countingEngine();
    const check = new ShellCheck(first.engine, new StateStore({ home }));
    assert.equal(await check.known(seedId), false);
    await check.require(stack, SEED, seedId);
    assert.equal(first.creates(), 1, 'one throwaway container');
    assert.deepEqual(await leftovers(), [], 'the throwaway container is removed');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(home, 'state.json'), 'utf8')).swarmImagesWithShell, [seedId]);

    // As the next `gatehouse start` would: a new store and check over the same home.
    const next = countingEngine();
    const again = new ShellCheck(next.engine, new StateStore({ home }));
    assert.equal(await again.known(seedId), true);
    await again.require(stack, SEED, seedId);
    assert.equal(next.creates(), 0, 'no container for a known image ID');
  });

  test('an image without /bin/sh: SETTINGS_INVALID naming the image, every time, never remembered', async () => {
    const id = (await docker.getImage(noShell).inspect()).Id;
    const counted = countingEngine();
    const check = new ShellCheck(counted.engine, new StateStore({ home }));
    for (let i = 0; i < 2; i++) {
      await assert.rejects(check.require(stack, noShell, id), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'SETTINGS_INVALID');
        assert.match(err.message, new RegExp(`The image ${noShell.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has no /bin/sh`));
        return true;
      });
    }
    assert.equal(counted.creates(), 2, 'looked at each time');
    assert.equal(await check.known(id), false);
    assert.deepEqual(await leftovers(), [], 'no throwaway container is left');
  });
});
