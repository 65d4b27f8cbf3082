/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Accessibility probes for the e2e tests: axe-core (the npm package, injected into the page as
 * source; it is a dev dependency and never part of the renderer bundle), what has focus, and how
 * often live regions change their text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Page } from 'playwright';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export type Theme = 'light' | 'dark';
export const THEMES: Theme[] = ['light', 'dark'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe over the whole page in one theme; returns the serious and critical violations, readable. */
export async function axeViolations(page: Page, theme: Theme): Promise<string[]> {
  // Reduced motion: no colour is measured halfway through a transition.
  await page.emulateMedia({ colorScheme: theme, reducedMotion: 'reduce' });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  // Evaluated over the DevTools protocol, so the page's CSP (script-src 'self') does not apply.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(() =>
    (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: unknown[] }> } }).axe
      .run(document, { resultTypes: ['violations'] })
      .then((r) => r.violations),
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} (${v.help}) at ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`));
}

/** Asserts 0 serious or critical axe violations in both themes; leaves the page in the light theme. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const found: string[] = [];
  for (const theme of THEMES) found.push(...(await axeViolations(page, theme)).map((v) => `[${theme}] ${v}`));
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
  assert.deepEqual(found, [], `${what}: axe found serious or critical violations:\n${found.join('\n')}`);
}

/** The focused element, described: tag, id, test id and accessible text. */
export async function focused(page: Page): Promise<{ tag: string; id: string; testId: string | null; text: string }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase() ?? 'none',
      id: el?.id ?? '',
      testId: el?.getAttribute('data-testid') ?? null,
      text: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim().slice(0, 80),
    };
  });
}

/** Waits until focus is on what `match` accepts (focus moves after React draws). */
export async function waitForFocus(page: Page, selector: string, what: string): Promise<void> {
  try {
    await page.waitForFunction((sel) => !!document.activeElement && document.activeElement.matches(sel), selector, { timeout: 5000 });
  } catch {
    assert.fail(`${what}: focus should be on ${selector}, is on ${JSON.stringify(await focused(page))}`);
  }
}

/**
 * Starts recording the text of every live region (role status/alert/log, aria-live other than
 * off) each time it changes; `read` returns, per region, the texts it went through.
 */
export async function recordLiveRegions(page: Page): Promise<{ read(): Promise<Record<string, string[]>> }> {
  // Sent as source text: tsx would wrap the named helpers in a function the page lacks.
  await page.evaluate(`(() => {
    window.__live = {};
    const SELECTOR = '[role="status"], [role="alert"], [aria-live]:not([aria-live="off"])';
    const last = new Map();
    const textOf = (el) => (el.textContent || '').replace(/\\s+/g, ' ').trim();
    const nameOf = (el) => el.getAttribute('data-testid') || el.id || el.className || el.tagName;
    // What is there now is the starting point, not a change.
    for (const el of document.querySelectorAll(SELECTOR)) last.set(el, textOf(el));
    new MutationObserver(() => {
      for (const el of document.querySelectorAll(SELECTOR)) {
        const text = textOf(el);
        if (last.get(el) === text) continue;
        last.set(el, text);
        (window.__live[nameOf(el)] ??= []).push(text);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`);
  return { read: () => page.evaluate(() => (window as unknown as { __live: Record<string, string[]> }).__live) };
}
