import type { Browser, Locator, Page } from 'playwright-core';
import { startRapport, type Rapport } from '../../src/boot';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { createTestDatabase } from '../helpers/testDb';
import { browserAvailable, launchBrowser } from '../helpers/browser';
import { freePort } from '../helpers/net';

const run = browserAvailable() ? describe : describe.skip;

run('a team runs one pulse in a real browser, from setup to the dashboard', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let rapport: Rapport;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    database = await createTestDatabase();
    // The real start-up path, with the built-in mailbox (no SMTP_URL) and the delivery worker running.
    // A known port, so the links in emails (PUBLIC_URL defaults to http://localhost:PORT) reach this server.
    const config = loadConfig({ DATABASE_URL: database.url, PORT: String(await freePort()), LOG_LEVEL: 'silent' });
    rapport = await startRapport(config, createLogger('silent'));
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rapport?.stop();
    await database?.drop();
  });

  it('sets up, creates a survey, adds contacts, sends, answers 9 from the mailbox and sees NPS 100 with the comment', async () => {
    const base = rapport.url;
    await page.goto(base);
    expect(page.url()).toBe(`${base}/setup`);
    await page.getByLabel('Workspace name').fill('Acme');
    await page.getByLabel('Sender name').fill('Valeria at Acme');
    await page.getByLabel('Postal address').fill('1 Main St, Springfield');
    await page.getByLabel('Your name').fill('Valeria Ortiz');
    await page.getByLabel('Email').fill('valeria@acme.test');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(`${base}/surveys`);

    await page.getByRole('link', { name: 'New survey' }).click();
    await page.getByRole('button', { name: 'Create survey' }).click();
    await page.waitForURL(/\/surveys\/[0-9a-f-]{36}$/);
    const surveyUrl = page.url();

    await page.getByRole('navigation').getByRole('link', { name: 'Contacts' }).click();
    await page.getByLabel('One per line: name, email').fill('Ada Lovelace, ada@example.com\nnot an email');
    await page.getByRole('button', { name: 'Add contacts' }).click();
    await expectText(page.getByRole('alert')).toContain('Nothing was added');
    await page.getByLabel('One per line: name, email').fill('Ada Lovelace, ada@example.com');
    await page.getByRole('button', { name: 'Add contacts' }).click();
    await expectText(page.getByRole('status')).toContain('1 added');

    await page.goto(surveyUrl);
    await page.getByRole('button', { name: 'Send now' }).click();
    await page.waitForURL(/\/waves\//);
    // The wave page refreshes itself until the worker has sent everything.
    await page.getByText('All invitations have been handled.').waitFor({ timeout: 20_000 });

    await page.getByRole('navigation').getByRole('link', { name: 'Mailbox' }).click();
    await page.getByRole('link', { name: 'How are we doing?' }).click();
    const email = page.frameLocator('iframe[title="Email body"]');
    await email.getByRole('link', { name: '9', exact: true }).click();
    await page.waitForURL(/\/r\/[\w-]{43}\?score=9$/);
    expect(await page.getByRole('radio', { name: '9', exact: true }).isChecked()).toBe(true);
    await page.getByLabel("What's the main reason for your score?").fill('You answer <b>fast</b>');
    await page.getByRole('button', { name: 'Send' }).click();
    await expectText(page.getByRole('heading', { level: 1 })).toBe('Thank you!');

    await page.goto(surveyUrl);
    await expectText(page.getByTestId('nps')).toBe('100');
    await expectText(page.locator('.comments blockquote')).toBe('You answer <b>fast</b>');
    // Chart.js, served by the app itself, drew the trend.
    expect(await page.evaluate(() => typeof (window as unknown as { Chart?: unknown }).Chart)).toBe('function');
  }, 90_000);
});

// playwright-core has no test runner: a small polling assertion on a locator's text keeps the test readable.
function expectText(locator: Locator) {
  const poll = async (check: (text: string) => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    let last = '';
    while (Date.now() < deadline) {
      last = ((await locator.first().textContent({ timeout: 1000 }).catch(() => null)) ?? '').trim();
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
