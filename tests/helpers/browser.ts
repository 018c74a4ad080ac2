import fs from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startRapport } from '../../src/boot';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { freePort } from './net';
import { createTestDatabase } from './testDb';
import { WAIT_MS } from './wait';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's Chromium, driven by playwright-core. Missing Chromium skips browser tests loudly on a laptop,
 * and fails them under CI, where it must be installed.
 */
export function browserAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  const message = `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH).`;
  if (process.env.CI) throw new Error(`${message} Browser tests cannot be skipped under CI.`);
  console.warn(`\n\n  !!! SKIPPING BROWSER TESTS !!!\n  ${message}\n\n`);
  return false;
}

/** Every page and context waits up to WAIT_MS for what a test expects (playwright's own default is 30 s). */
export const launchBrowser = async (): Promise<Browser> => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const ctx = await newContext(...args);
    ctx.setDefaultTimeout(WAIT_MS);
    ctx.setDefaultNavigationTimeout(WAIT_MS);
    return ctx;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(WAIT_MS);
    return page;
  };
  return browser;
};

/**
 * The real start-up path (startRapport: built-in mailbox, worker unless turned off) on a database of its own
 * and a known port — so links in emails (PUBLIC_URL defaults to http://localhost:PORT) reach this server —
 * with Chromium open on a blank page.
 */
export async function startBrowserSession(env: Record<string, string> = {}) {
  const database = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    ...env,
  });
  const rapport = await startRapport(config, createLogger('silent'));
  const browser = await launchBrowser();
  const page = await browser.newPage();
  return {
    rapport,
    browser,
    page,
    async close() {
      await browser.close();
      await rapport.stop();
      await database.drop();
    },
  };
}
export type BrowserSession = Awaited<ReturnType<typeof startBrowserSession>>;

/** First-run setup through the form, as the owner would; ends on /surveys. */
export async function setUpWorkspace(page: Page, base: string) {
  await page.goto(base);
  await page.getByLabel('Workspace name').fill('Acme');
  await page.getByLabel('Sender name').fill('Valeria at Acme');
  await page.getByLabel('Postal address').fill('1 Main St, Springfield');
  await page.getByLabel('Your name').fill('Valeria Ortiz');
  await page.getByLabel('Email').fill('valeria@acme.test');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(`${base}/surveys`);
}

/** playwright-core has no test runner: a small polling assertion on a locator's text. */
export function expectText(locator: Locator) {
  const poll = async (check: (text: string) => boolean, what: string) => {
    const deadline = Date.now() + WAIT_MS;
    let last = '';
    while (Date.now() < deadline) {
      last = (
        (await locator
          .first()
          .textContent({ timeout: 1000 })
          .catch(() => null)) ?? ''
      ).trim();
      if (check(last)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Expected ${what}, but the text was ${JSON.stringify(last)}`);
  };
  return {
    toBe: (text: string) => poll((t) => t === text, `text ${JSON.stringify(text)}`),
    toContain: (text: string) => poll((t) => t.includes(text), `text containing ${JSON.stringify(text)}`),
  };
}

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's violations on the page as it is now, injected through the DevTools protocol (CSP blocks inline
 * scripts).
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: { run: () => Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> };
      }
    ).axe.run();
    return result.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
}
