import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCliInProcess } from '../support/cli-in-process';

/** Runs the CLI in-process with its own streams; the arguments are checked before Docker or the keychain. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-logs-cli-'));
  const env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_STACK: 't-logs-cli', GATEHOUSE_KEYCHAIN_SERVICE: `gatehouse-test-logs-cli-${process.pid}`, DOCKER_HOST: 'unix:///nonexistent.sock' };
  try {
    return await runCliInProcess(argv, env);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

test('logs: argument mistakes are INVALID_ARGUMENT / INVALID_REGEX with a fix, before anything is read', async () => {
  const cases: [string[], RegExp, number][] = [
    [['logs', '--grep', '(unclosed'], /not a valid regular expression[\s\S]*INVALID_REGEX/, 2],
    [['logs', '--level', 'loud'], /Unknown log level "loud"[\s\S]*fix: Use one of: debug, info, warning, error, critical/, 2],
    [['logs', '--since', 'soon'], /"soon" is not a time for --since/, 2],
    [['logs', '--stream', 'stdin'], /Unknown stream "stdin"/, 2],
    [['logs', '--tail', '-3'], /--tail needs a whole number/, 2],
    [['logs', '--format', 'jsonl'], /--format applies to --export only/, 2],
    [['logs', '--export', '/tmp/x.log', '--format', 'xml'], /Unknown export format "xml"/, 2],
    [['logs', '--export', '/tmp/x.log', '--follow'], /--export and --follow cannot be combined/, 2],
    [['logs', '--colour'], /Unknown option --colour/, 2],
  ];
  for (const [argv, re, code] of cases) {
    const r = await run(argv);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, argv.join(' '));
  }
});

test('logs and warnings without Docker: a note on stderr, the (empty) stored history, exit 0', async () => {
  const logs = await run(['logs', '--json']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stderr, /note: Docker is not reachable at DOCKER_HOST=unix:\/\/\/nonexistent\.sock/);
  assert.equal(logs.stdout, '');
  const warnings = await run(['warnings', '--json']);
  assert.equal(warnings.code, 0, warnings.stderr);
  assert.deepEqual(JSON.parse(warnings.stdout), []);
  const ack = await run(['warnings', '--ack', 'abc']);
  assert.equal(ack.code, 1);
  assert.match(ack.stderr, /No warning group with id "abc"[\s\S]*NOT_FOUND/);
});
