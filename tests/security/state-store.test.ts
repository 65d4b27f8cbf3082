// state.json between processes: no lost update, a torn file kept aside and reported, and the
// rotation journal in a file of its own that a torn state.json cannot take with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StateStore } from '../../electron/core/state-store';
import { readJournal, writeJournal, type RotationJournal } from '../../electron/core/secrets/rotation-journal';
import { tmpDir } from './helpers';

function worker(home: string, times: number): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'state-worker.ts'), home, String(times)], { stdio: 'inherit' });
  return new Promise((r) => child.once('exit', r));
}

test('state-store: two processes updating state.json at once lose no update (2 × 100 = 200)', async () => {
  const home = tmpDir('state');
  const codes = await Promise.all([worker(home, 100), worker(home, 100)]);
  assert.deepEqual(codes, [0, 0]);
  const state = new StateStore({ home });
  assert.equal(await state.read<number>('counter'), 200);
});

const journal: RotationJournal = {
  id: 'r1',
  step: 'recreating',
  startedAt: new Date().toISOString(),
  oldFingerprint: 'sha256:aaaaaaaaaaaa',
  newFingerprint: 'sha256:bbbbbbbbbbbb',
  gatewayWasRunning: true,
  oldContainerId: 'c0ffee',
  oldContainerName: 'gh-litellm',
};

test('state-store: a torn state.json is kept aside and reported; the rotation journal survives it', async () => {
  const home = tmpDir('torn');
  const reported: string[] = [];
  const state = new StateStore({ home, onTorn: (aside) => reported.push(aside) });
  await state.update('masterKey', () => ({ fingerprint: 'sha256:aaaaaaaaaaaa' }));
  await writeJournal(state, journal);
  // A torn write (a crash of an older version, a full disk): half a JSON document.
  const torn = fs.readFileSync(state.file, 'utf8').slice(0, 20);
  fs.writeFileSync(state.file, torn);

  assert.deepEqual(await readJournal(state), journal, 'the journal is not in state.json and survives');
  await state.update('warnings', () => ({ acks: {} }));
  assert.equal(reported.length, 1, 'the torn file was reported');
  assert.equal(fs.readFileSync(reported[0] as string, 'utf8'), torn, 'the torn file is kept aside as it was');
  assert.deepEqual(state.tornFiles, reported);
  assert.deepEqual(await readJournal(state), journal);
  await writeJournal(state, null);
  assert.equal(await readJournal(state), null);
});

test('state-store: a journal left in state.json by an older version is still read, then moved out', async () => {
  const home = tmpDir('legacy');
  const state = new StateStore({ home });
  await state.update('rotation', () => journal);
  assert.deepEqual(await readJournal(state), journal);
  await writeJournal(state, { ...journal, step: 'verified' });
  assert.equal((await state.read('rotation')) ?? null, null, 'the old section is cleared');
  assert.equal((await readJournal(state))?.step, 'verified');
});

test('state-store: a damaged rotation journal is refused, never read as "no rotation"', async () => {
  const home = tmpDir('badjournal');
  const state = new StateStore({ home });
  fs.writeFileSync(path.join(home, 'rotation-journal.json'), '{"id": "r1", "st');
  await assert.rejects(readJournal(state), /rotation journal .* cannot be read/);
});
