/**
 * The installed `gatehouse` entry point end to end: the real electron/main/main.ts, loaded with
 * a stand-in `electron` module that records what main asked of it (tests/support/
 * electron-main-under-stub.ts), launched with the argv a package's binary gets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';

const RUNNER = path.join(__dirname, '..', 'support', 'electron-main-under-stub.ts');

interface Outcome {
  calls: Array<[string, ...unknown[]]>;
  exitCode: number | null;
  listeners?: string[];
  stdout: string;
}

function launch(argv: string[], env: Record<string, string | undefined> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
    const childEnv: NodeJS.ProcessEnv = { ...process.env, DISPLAY: ':99', ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    const child = spawn(process.execPath, [...execArgv, RUNNER, '--', ...argv], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let report = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => (report += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      if (!report.trim()) return reject(new Error(`no report from main; stderr: ${stderr}`));
      resolve({ ...(JSON.parse(report) as Omit<Outcome, 'stdout'>), stdout });
    });
  });
}

const names = (o: Outcome) => o.calls.map((c) => c[0]);

describe('installed `gatehouse` entry point (main.ts under a recording electron stand-in)', { timeout: 120_000 }, () => {
  it('`gatehouse help` runs the CLI and exits 0 with its output, before any lock or sandbox', async () => {
    const o = await launch(['/opt/Gatehouse/gatehouse', 'help']);
    assert.match(o.stdout, /Usage: gatehouse <command>/);
    assert.equal(o.exitCode, 0);
    assert.ok(!names(o).includes('requestSingleInstanceLock'), 'a running window must not swallow a script’s command');
    assert.ok(!names(o).includes('enableSandbox'));
  });

  it('exits with the CLI’s own code for a wrong command line (2)', async () => {
    const o = await launch(['/opt/Gatehouse/gatehouse', 'key', 'no-such-command']);
    assert.equal(o.exitCode, 2);
  });

  it('on Linux without a display, relaunches the binary with Chromium’s display-less switches', async () => {
    if (process.platform !== 'linux') return;
    // /bin/echo stands in for the binary, so the relaunch's argv is printed.
    const o = await launch(['/opt/Gatehouse/gatehouse', 'status', '--json'], { DISPLAY: undefined, WAYLAND_DISPLAY: undefined, STUB_EXEC_PATH: '/bin/echo' });
    assert.equal(o.stdout.trim(), '--headless --ozone-platform=headless --disable-gpu status --json');
    assert.equal(o.exitCode, 0);
  });

  it('without a command it is the desktop app: sandbox, own Chromium data folder, single-instance lock', async () => {
    const o = await launch(['/opt/Gatehouse/gatehouse']);
    assert.equal(o.exitCode, null);
    assert.ok(names(o).includes('enableSandbox'));
    assert.ok(names(o).includes('requestSingleInstanceLock'));
    const setPath = o.calls.find((c) => c[0] === 'setPath');
    assert.deepEqual(setPath, ['setPath', 'userData', path.join('/stub/appData', 'Gatehouse Chromium')]);
    for (const ev of ['before-quit', 'window-all-closed', 'second-instance']) assert.ok(o.listeners?.includes(ev), ev);
  });

  it('a --user-data-dir on the command line wins over the default data folder', async () => {
    const o = await launch(['/opt/Gatehouse/gatehouse', '--user-data-dir=/tmp/x'], { STUB_HAS_USER_DATA_DIR: '1' });
    assert.ok(!names(o).includes('setPath'));
    assert.ok(names(o).includes('requestSingleInstanceLock'));
  });

  it('closing the last window quits where the session bus has no tray host (this test bus, like GNOME’s)', async () => {
    if (process.platform !== 'linux' || !process.env.DBUS_SESSION_BUS_ADDRESS) return;
    const o = await launch(['/opt/Gatehouse/gatehouse'], { STUB_EMIT_WINDOW_ALL_CLOSED: '1' });
    assert.ok(names(o).includes('quit'), JSON.stringify(o.calls));
  });

  it('a user quit is held for the clean-up, then the app ends itself', async () => {
    const o = await launch(['/opt/Gatehouse/gatehouse'], { STUB_EMIT_BEFORE_QUIT: '1' });
    assert.deepEqual(o.calls.find((c) => c[0] === 'before-quit handled'), ['before-quit handled', { prevented: true }]);
    assert.equal(o.exitCode, 0);
  });
});
