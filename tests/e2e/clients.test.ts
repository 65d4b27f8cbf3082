/**
 * Connect and Clients in the app: the built renderer in Chromium over the real preload, IPC
 * handlers and core, with the stand-in gateway and PostgreSQL in Docker, the real keychain and a
 * real X clipboard. A client key made in the Clients view answers 200, is copied only through the
 * guarded clipboard, and is refused once revoked; the Test button names a missing Claude login;
 * "Copy with key" puts the snippet with the key on the clipboard while the page shows it by
 * reference only. Screenshots for the README: connect.png, clients.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright';
import { SystemClipboard } from '../../electron/core/secrets/clipboard-system';
import { clientKeyAccount } from '../../electron/core/clients/client-keys';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { PLAIN, runCli, testStack, type TestStack } from '../integration/stack-helpers';
import { request, settingsWithDatabase } from '../integration/database-helpers';
import { startXvfb, waitFor, type XServer } from '../integration/key-helpers';
import { launchApp, launchChromium, type AppUnderTest } from './harness';
import { assertAccessible } from './a11y';

describe('app: Connect and Clients views', () => {
  let browser: Browser;
  let app: AppUnderTest | null = null;
  let stack: TestStack;
  let x: XServer;
  let clip: SystemClipboard;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    x = await startXvfb();
    stack = await testStack('e2e-clients', PLAIN);
    stack.writeSettings(settingsWithDatabase());
    env = { ...stack.env, DISPLAY: x.display, WAYLAND_DISPLAY: '' };
    const started = await runCli(['start'], env, { timeoutMs: 240_000 });
    assert.equal(started.code, 0, started.stderr);
    clip = new SystemClipboard(env);
    browser = await launchChromium();
  });

  after(async () => {
    await app?.close();
    await browser?.close();
    await new KeytarSecretStore(stack.service).delete(clientKeyAccount('open-webui')).catch(() => false);
    await stack?.cleanup();
    await x?.stop();
  });

  test('add a client key, copy it through the guarded clipboard, use it, rotate it, test the chain (no Claude login, then OK), copy a snippet with the key, revoke → 401', async () => {
    app = await launchApp({ browser, env, clipboard: clip, hash: '#clients' });
    const { page } = app;
    const master = (await stack.masterKey()) as string;

    await page.getByTestId('clients-empty').waitFor({ timeout: 30_000 });
    await page.fill('#client-name', 'open-webui');
    await page.fill('#client-budget', '5');
    await page.fill('#client-expires', '30d');
    await page.getByTestId('add-client').click();
    await page.getByTestId('clients-note').waitFor();
    const row = page.locator('tr[data-client="open-webui"]');
    await row.waitFor();
    assert.match(await row.innerText(), /\$5\.00/);
    const key = (await new KeytarSecretStore(stack.service).get(clientKeyAccount('open-webui'))) as string;
    assert.match(key, /^sk-/);
    assert.equal((await page.content()).includes(key), false, 'the key never enters the page');

    await page.getByTestId('copy-client-open-webui').click();
    await page.getByTestId('clipboard-countdown').waitFor();
    assert.equal(await clip.readText(), key, 'the client key is on the clipboard');
    assert.equal((await request(stack.port, 'GET', '/v1/models', key)).status, 200, 'the client key works');
    await app.screenshot('clients');
    await assertAccessible(page, 'Clients view');

    // Rotate from the view: a new key in the keychain, the old one refused at once.
    await page.getByTestId('rotate-client-open-webui').click();
    await waitFor(async () => /has a new key/.test(await page.getByTestId('clients-note').innerText()), 30_000);
    const rotated = (await new KeytarSecretStore(stack.service).get(clientKeyAccount('open-webui'))) as string;
    assert.notEqual(rotated, key);
    assert.equal((await request(stack.port, 'GET', '/v1/models', key)).status, 401, 'the old client key is refused after Rotate');
    assert.equal((await request(stack.port, 'GET', '/v1/models', rotated)).status, 200);

    // Connect: snippets by reference, Test with no Claude login, then OK.
    await page.click('button[data-view="connect"]');
    await page.getByTestId('connect-view').waitFor();
    assert.equal(await page.getByTestId('connect-base-url').innerText(), `http://127.0.0.1:${stack.port}/v1`);
    assert.match(await page.getByTestId('snippet-shell').innerText(), /OPENAI_API_KEY="\$\(gatehouse key print\)"/);
    await page.selectOption('[data-testid="connect-key"]', 'open-webui');
    await waitFor(async () => /clients copy open-webui --print/.test(await page.getByTestId('snippet-shell').innerText()), 10_000);

    assert.equal((await request(stack.port, 'POST', '/__standin/claude-login', master, { state: 'none' })).status, 200);
    await page.getByTestId('run-test').click();
    await page.locator('[data-testid="test-result"][data-cause="no-claude-login"]').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('test-fix').innerText(), /gatehouse claude set-token/);
    assert.equal((await request(stack.port, 'POST', '/__standin/claude-login', master, { state: 'ok' })).status, 200);
    await page.getByTestId('run-test').click();
    await page.locator('[data-testid="test-result"][data-ok="true"]').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('test-result').innerText(), /stand-in reply/);

    await page.getByTestId('copy-with-key-shell').click();
    await waitFor(async () => ((await clip.readText()) ?? '').includes(rotated), 10_000);
    assert.equal(await clip.readText(), `export OPENAI_BASE_URL=http://127.0.0.1:${stack.port}/v1\nexport OPENAI_API_KEY='${rotated}'`);
    await page.selectOption('[data-testid="connect-key"]', '');
    await waitFor(async () => /gatehouse key print/.test(await page.getByTestId('snippet-shell').innerText()), 10_000);
    await page.evaluate(() => window.scrollTo(0, 0));
    await app.screenshot('connect');
    await assertAccessible(page, 'Connect view');
    const html = await page.content();
    assert.equal(html.includes(key) || html.includes(rotated) || html.includes(master), false, 'no key in the page');

    // The Dashboard has the same Test button.
    await page.click('button[data-view="dashboard"]');
    await page.getByTestId('run-test').waitFor();

    // Revoke from the Clients view: refused at once.
    await page.click('button[data-view="clients"]');
    await page.getByTestId('revoke-client-open-webui').click();
    await page.getByTestId('revoke-dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('clients-empty').waitFor({ timeout: 30_000 });
    assert.equal((await request(stack.port, 'GET', '/v1/models', rotated)).status, 401, 'revoked: refused at once');
  });

  test('without the database the Clients view says what to do', async () => {
    await app?.close();
    app = null;
    stack.writeSettings({ database: { enabled: false, image: settingsWithDatabase().database.image, volume: null } });
    app = await launchApp({ browser, env, clipboard: clip, hash: '#clients', session: false });
    const notice = app.page.locator('[data-testid="clients-unavailable"][data-code="DATABASE_OFF"]');
    await notice.waitFor({ timeout: 30_000 });
    assert.match(await notice.innerText(), /gatehouse db enable/);
  });
});
