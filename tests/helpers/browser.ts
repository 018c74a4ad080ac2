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

/**
 * The first pulse a new team runs, as a person clicks it (after setUpWorkspace): a survey from the default
 * template, Ada Lovelace as the one contact, "Send now" confirmed, and Ada answering `score` with `comment` from
 * the invitation in the built-in Mailbox. Returns the survey's page address.
 */
export async function ridePulse(page: Page, answer: { score: number; comment: string }) {
  await page.getByRole('link', { name: 'New survey' }).click();
  await page.getByRole('button', { name: 'Create survey' }).click();
  await page.waitForURL(/\/surveys\/[0-9a-f-]{36}$/);
  const surveyUrl = page.url();
  await page.getByRole('navigation').getByRole('link', { name: 'Contacts' }).click();
  await page.getByLabel('One per line: name, email').fill('Ada Lovelace, ada@example.com');
  await page.getByRole('button', { name: 'Add contacts' }).click();
  await expectText(page.getByRole('status')).toContain('1 added');
  await page.goto(surveyUrl);
  await page.getByRole('link', { name: 'Send now…' }).click();
  await expectText(page.getByTestId('send-count')).toContain('This emails 1 person now.');
  await page.getByRole('button', { name: 'Email 1 person now' }).click();
  await page.getByText('All invitations have been handled.').waitFor();

  await page.getByRole('navigation').getByRole('link', { name: 'Mailbox' }).click();
  await page.getByRole('link', { name: 'How are we doing?' }).click();
  const score = String(answer.score);
  await page.frameLocator('iframe[title="Email body"]').getByRole('link', { name: score, exact: true }).click();
  await page.waitForURL(new RegExp(`/r/[\\w-]{43}\\?score=${score}$`));
  await page.getByRole('textbox').first().fill(answer.comment);
  await page.getByRole('button', { name: 'Send' }).click();
  await expectText(page.getByRole('heading', { level: 1 })).toBe('Thank you!');
  return surveyUrl;
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
