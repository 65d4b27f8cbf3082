// The security checks over a stack that Gatehouse itself started (StackController) and whose key
// it rotated (KeyRotation), with the monitor watching: the report follows the real lifecycle.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecurityCheck, SecurityReport } from '../../shared/api';
import { Gatehouse } from '../../electron/core/gatehouse';
import { SecurityWorld, STANDIN, assertNoSecret, byId, freePort } from './security-fixture';

const w = new SecurityWorld();
after(() => w.cleanup());

test('start → rotate → drift → stop, watched: the report follows, and what got worse is reported', { timeout: 120_000 }, async () => {
  const stack = w.stack('life');
  const core = await Gatehouse.open({
    env: w.env(stack, { GATEHOUSE_IMAGE: STANDIN, GATEHOUSE_PORT: String(await freePort()) }),
    watchSecurity: true,
  });
  try {
    await core.settings.update({ extraEnv: { STANDIN_BOOT_MS: '100' } });
    const reports: SecurityReport[] = [];
    const worse: SecurityCheck[][] = [];
    core.events.on('security:report', (r) => reports.push(r));
    core.events.on('security:worsened', (c) => worse.push(c));
    const next = async (pred: (r: SecurityReport) => boolean, what: string): Promise<SecurityReport> => {
      const end = Date.now() + 30_000;
      for (;;) {
        const found = reports.find(pred);
        if (found) return found;
        if (Date.now() > end) throw new Error(`no report where ${what}; last: ${JSON.stringify(reports.at(-1)?.checks.filter((c) => c.status !== "pass").map((c) => [c.id, c.finding]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    // As the desktop app does (app-session.ts): status from Docker events, settled states included.
    await core.stack.watch();
    await core.stack.start();
    const key = (await core.keys.get()) as string;
    const running = await next((r) => byId(r, 'barrier').finding.includes('HTTP 401'), 'the barrier was probed');
    assertNoSecret(running, [key]);
    for (const id of ['keychain', 'key-strength', 'key-age', 'key-drift', 'barrier', 'exposure', 'plaintext', 'log-secrets', 'container-hardening']) {
      assert.equal(byId(running, id).status, 'pass', `${id}: ${byId(running, id).finding}`);
    }
    assert.match(byId(running, 'key-drift').finding, /running gateway was created with the keychain's key/);

    reports.length = 0;
    const rotated = await core.rotation.rotate();
    const afterRotation = await next((r) => byId(r, 'key-age').finding.includes('last rotated'), 'the rotation shows');
    assert.equal(byId(afterRotation, 'key-drift').status, 'pass', byId(afterRotation, 'key-drift').finding);
    assert.ok(byId(afterRotation, 'keychain').finding.includes(rotated.fingerprint));
    assert.equal(byId(afterRotation, 'barrier').status, 'pass', byId(afterRotation, 'barrier').finding);

    // The gateway's key drifts from the keychain (someone replaced the key behind Gatehouse's
    // back): the next evaluation reports the drift as worse.
    const stale = (await core.keys.get()) as string;
    await core.secrets.set('litellm-master-key', 'sk-' + 'f'.repeat(8) + stale.slice(11));
    const drift = await core.security.run();
    assert.equal(byId(drift, 'key-drift').status, 'fail');
    assert.ok(worse.some((list) => list.some((c) => c.id === 'key-drift')), 'drift reported as worsened');
    await core.secrets.set('litellm-master-key', stale);

    reports.length = 0;
    await core.stack.stop();
    const stopped = await next((r) => byId(r, 'barrier').finding.includes('not running'), 'the stop shows');
    assert.equal(byId(stopped, 'barrier').status, 'pass');
    assert.equal(byId(stopped, 'key-drift').status, 'pass');
  } finally {
    await core.close();
  }
});
