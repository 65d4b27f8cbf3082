// HTTPS in the app: the Security view fails a gateway published on all interfaces without TLS and
// its one-click fix turns HTTPS on (the real core issues the certificate); Settings shows the CA's
// fingerprint and "Export CA…" saves the CA certificate (public) through main's dialog.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Browser } from 'playwright';
import { PLAIN, testStack, type TestStack } from '../integration/stack-helpers';
import { launchApp, launchChromium, type AppUnderTest } from './harness';

describe('HTTPS in the desktop app', { timeout: 3 * 60_000 }, () => {
  let stack: TestStack;
  let browser: Browser;
  let app: AppUnderTest;

  before(async () => {
    stack = await testStack('tlse2e', PLAIN, { GATEHOUSE_BIND: '0.0.0.0' });
    browser = await launchChromium();
    app = await launchApp({ browser, env: stack.env, clipboard: null, hash: '#security', session: false });
    // Past the first-run screen: a master key exists.
    await app.core.keys.ensure();
    await app.page.reload({ waitUntil: 'domcontentloaded' });
  });

  after(async () => {
    await app?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.cleanup();
  });

  test('Security: published on all interfaces without TLS fails; "Turn on HTTPS" fixes it', async () => {
    const { page, core } = app;
    const row = page.locator('[data-check="tls"]');
    await row.waitFor({ timeout: 60_000 });
    assert.equal(await row.getAttribute('data-status'), 'fail');
    assert.match((await row.textContent()) ?? '', /master key crosses the network in clear/);
    await row.getByRole('button', { name: 'Turn on HTTPS' }).click();
    await page.waitForFunction(() => document.querySelector('[data-check="tls"]')?.getAttribute('data-status') === 'pass', null, { timeout: 60_000 });
    assert.equal((await core.settings.get()).tls.mode, 'local');
    const st = await core.tls.status();
    assert.ok(st.certificate && st.certificate.names.includes('127.0.0.1'));
    assert.match((await row.textContent()) ?? '', /valid until/);
  });

  test('Settings: the CA fingerprint, and Export CA… writes the CA certificate', async () => {
    const { page, core } = app;
    await page.evaluate(() => (location.hash = '#settings'));
    const fp = page.getByTestId('tls-ca-fingerprint');
    await fp.waitFor({ timeout: 30_000 });
    const st = await core.tls.status();
    assert.equal(await fp.textContent(), st.ca?.sha256);
    await page.getByTestId('tls-export-ca').click();
    const note = page.getByRole('status').filter({ hasText: 'CA certificate saved to' });
    await note.waitFor({ timeout: 30_000 });
    const file = /saved to (.+)\.$/.exec((await note.textContent()) ?? '')?.[1];
    assert.ok(file);
    const pem = fs.readFileSync(file, 'utf8');
    assert.equal(pem, await core.tls.caCertificate());
    assert.ok(!pem.includes('PRIVATE KEY'));
  });
});
