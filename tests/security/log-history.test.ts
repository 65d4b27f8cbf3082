// The log history never writes through a planted symbolic link, and refuses a data folder that
// someone else could swap files in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LogHistory } from '../../electron/core/logs/history';
import { tmpDir } from './helpers';

const record = { time: '2026-12-01T10:00:00.000000000Z', stream: 'stdout' as const, level: 'info' as const, source: 'gateway', message: 'hello', containerId: 'c1' };

test('log-history: an append never follows a symbolic link planted as history.jsonl', async () => {
  const home = tmpDir('hist-link');
  const dir = path.join(home, 'logs', 's');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const victim = path.join(home, 'victim.txt');
  fs.writeFileSync(victim, 'precious\n');
  fs.symlinkSync(victim, path.join(dir, 'history.jsonl'));
  const h = new LogHistory(dir, { privateRoot: home });
  h.append(record);
  await assert.rejects(h.flush(), (err: NodeJS.ErrnoException) => err.code === 'ELOOP');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n', 'the link target was not written');
});

test('log-history: a data folder writable by others is refused, nothing is written', async () => {
  const home = tmpDir('hist-mode');
  fs.chmodSync(home, 0o777);
  const dir = path.join(home, 'logs', 's');
  const h = new LogHistory(dir, { privateRoot: home });
  h.append(record);
  await assert.rejects(h.flush(), /writable by every user \(mode 777\)/);
  assert.equal(fs.existsSync(path.join(dir, 'history.jsonl')), false);
});

test('log-history: a data folder owned by another user is refused', { skip: process.getuid?.() !== 0 ? 'needs root to give a folder away' : false }, async () => {
  const home = tmpDir('hist-owner');
  const dir = path.join(home, 'logs', 's');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chownSync(path.join(home, 'logs'), 4321, 4321);
  const h = new LogHistory(dir, { privateRoot: home });
  h.append(record);
  await assert.rejects(h.flush(), /belongs to uid 4321/);
});

test('log-history: a private folder is written as before', async () => {
  const home = tmpDir('hist-ok');
  const dir = path.join(home, 'logs', 's');
  const h = new LogHistory(dir, { privateRoot: home });
  h.append(record);
  await h.flush();
  assert.equal((await h.load(10)).length, 1);
  assert.equal(fs.statSync(path.join(dir, 'history.jsonl')).mode & 0o777, 0o600);
});
