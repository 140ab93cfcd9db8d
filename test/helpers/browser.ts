import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium (installed by .ci/run when missing); CHROMIUM_PATH overrides it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the committed screenshots live (shown in the README). */
const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (cookies, storage) at the given width, with console errors collected. */
  page(width?: number): Promise<{ page: Page; consoleErrors: string[] }>;
  close(): Promise<void>;
}

/**
 * A real headless Chromium driven by playwright-core — launch() gives it a fresh temporary
 * profile — with the flags that keep it off the network: this machine (and CI's) has none but
 * loopback.
 */
export async function startBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  return {
    browser,
    async page(width = 1280) {
      const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 860 }, locale: 'en-US' });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (err) => consoleErrors.push(err.message));
      return { page, consoleErrors };
    },
    close: () => browser.close(),
  };
}

/**
 * Saves a screenshot as docs/screenshots/<name>-<width>.png, from the top of the page: scrolled
 * down (after a click), the fixed header would be drawn across the middle. The whole page by
 * default; `fullPage: false` keeps to the viewport (a dialog over a long page).
 */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 1280;
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: opts.fullPage ?? true });
}

/**
 * Runs in the page before its own scripts (as text: this file is not compiled against the DOM):
 * sums 'layout-shift' entries (Chromium has them) into window.__cls, skipping shifts right after
 * input as the CLS metric does, and keeps what moved in window.__shifts.
 */
const LAYOUT_SHIFT_OBSERVER = `
  window.__cls = 0;
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      window.__cls += entry.value;
      const sources = (entry.sources || []).map((s) => {
        const el = s.node instanceof Element ? s.node : s.node && s.node.parentElement;
        if (!el) return '?';
        const testId = el.getAttribute('data-testid');
        return el.tagName.toLowerCase() + (testId ? '[data-testid=' + testId + ']' : '') + '.' + [...el.classList].slice(0, 2).join('.');
      });
      window.__shifts.push({ value: entry.value, sources });
    }
  }).observe({ type: 'layout-shift', buffered: true });
`;

/**
 * Collects the page's cumulative layout shift from the moment each page starts loading. Call
 * once, before the navigations to measure; read the sum with `layoutShift(page)`.
 */
export async function observeLayoutShift(page: Page): Promise<void> {
  await page.addInitScript({ content: LAYOUT_SHIFT_OBSERVER });
}

/** The layout shift summed since the page loaded, and what moved (for a failing assertion's message). */
export async function layoutShift(page: Page): Promise<{ cls: number; shifts: { value: number; sources: string[] }[] }> {
  return page.evaluate<{ cls: number; shifts: { value: number; sources: string[] }[] }>(
    '({ cls: window.__cls ?? 0, shifts: window.__shifts ?? [] })',
  );
}

/**
 * Signs `page` in as `email` the way a person does: opens `path`, presses Sign in, picks the user
 * on the demo provider's page, and waits until the app is back at `path`, signed in.
 */
export async function signInThroughProvider(page: Page, baseUrl: string, email: string, path = '/'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page
    .getByRole('button', { name: 'Sign in' })
    .or(page.getByRole('link', { name: 'Sign in' }))
    .first()
    .click();
  const escaped = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await page.getByRole('button', { name: new RegExp(`— ${escaped}$`) }).click();
  await page.waitForURL(`${baseUrl}${path}*`);
  await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
}

/** The part of the page's Web Animations API the wait below reads (this file has no DOM types). */
interface AnimatedDocument {
  getAnimations(): { playState: string; effect: { getComputedTiming(): { iterations?: number } } | null }[];
}

/**
 * Runs in the page: true once no finite animation or CSS transition is still running. Mantine's
 * dialogs fade in and out; measured mid-fade, their text is a blend of colours that fails the
 * contrast rule although the settled page passes. Endless animations (a loader's spinner) never
 * settle and are not waited for. A function, not a string: the app's CSP forbids eval.
 */
function animationsSettled(): boolean {
  const doc = (globalThis as unknown as { document: AnimatedDocument }).document;
  return doc.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity);
}

/**
 * Scans the page with axe once its animations have settled and expects no serious or critical
 * violation; a failure names `what`, the rule and the offending elements' markup. `include`
 * keeps the scan to one part of the page (a CSS selector).
 */
export async function expectAccessible(page: Page, what: string, include?: string): Promise<void> {
  await page.waitForFunction(animationsSettled, undefined, { timeout: 10_000 });
  const builder = new AxeBuilder({ page });
  if (include) builder.include(include);
  const result = await builder.analyze();
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map(
      (v) => `${what}: ${v.id} ${v.help} (${v.nodes.length}) ${v.nodes.map((n) => `${n.target.join(' ')} ${n.html}`).join(' | ')}`,
    ),
  ).toEqual([]);
}

/**
 * A fresh 1280-wide page signed in as `email` at `path` through the provider. When it closes, the
 * console errors it logged that no pattern in `expected` covers are added to `unexpected`, for
 * the suite to check at its end.
 */
export async function signedInPage(
  b: TestBrowser,
  baseUrl: string,
  email: string,
  path: string,
  errors: { expected: readonly RegExp[]; unexpected: string[] },
): Promise<Page> {
  const { page, consoleErrors } = await b.page(1280);
  page.on('close', () => errors.unexpected.push(...consoleErrors.filter((e) => !errors.expected.some((re) => re.test(e)))));
  await signInThroughProvider(page, baseUrl, email, path);
  return page;
}
