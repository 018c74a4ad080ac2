import type { Browser, Locator, Page } from 'playwright-core';
import { startRapport, type Rapport } from '../../src/boot';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { createTestDatabase } from '../helpers/testDb';
import { browserAvailable, launchBrowser } from '../helpers/browser';
import { freePort } from '../helpers/net';

const run = browserAvailable() ? describe : describe.skip;

run('a teammate closes the loop with a detractor in a real browser', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let rapport: Rapport;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    database = await createTestDatabase();
    // The real start-up path: built-in mailbox, delivery worker running.
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

  it('a detractor answers; the teammate opens it from the inbox, replies, and the reply lands in the mailbox', async () => {
    const base = rapport.url;
    await page.goto(base);
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
    await page.getByLabel('One per line: name, email').fill('Ada Lovelace, ada@example.com');
    await page.getByRole('button', { name: 'Add contacts' }).click();
    await expectText(page.getByRole('status')).toContain('1 added');
    await page.goto(surveyUrl);
    await page.getByRole('button', { name: 'Send now' }).click();
    await page.getByText('All invitations have been handled.').waitFor({ timeout: 20_000 });

    // Ada answers 3 from her email.
    await page.getByRole('navigation').getByRole('link', { name: 'Mailbox' }).click();
    await page.getByRole('link', { name: 'How are we doing?' }).click();
    await page.frameLocator('iframe[title="Email body"]').getByRole('link', { name: '3', exact: true }).click();
    await page.waitForURL(/\/r\/[\w-]{43}\?score=3$/);
    await page.getByRole('textbox').first().fill('Nobody answered my <ticket>');
    await page.getByRole('button', { name: 'Send' }).click();
    await expectText(page.getByRole('heading', { level: 1 })).toBe('Thank you!');

    // The teammate opens it from the inbox, filtered to detractors.
    await page.goto(`${base}/inbox`);
    await page.getByLabel('Score').selectOption('detractor');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('link', { name: 'Nobody answered my <ticket>' }).click();
    await page.waitForURL(/\/inbox\/[0-9a-f-]{36}$/);
    await page.getByRole('link', { name: "I'm sorry —" }).click();
    expect(await page.getByLabel('Your reply').inputValue()).toBe("I'm sorry — ");
    await page.getByLabel('Your reply').press('End');
    await page.getByLabel('Your reply').pressSequentially('that should not happen. I will call you today.');
    await page.getByRole('button', { name: 'Send reply', exact: true }).click();
    await expectText(page.getByRole('status')).toContain('Reply queued');

    // The worker sends it within seconds; the thread says so after a reload.
    const deadline = Date.now() + 15_000;
    while (!((await page.getByTestId('thread-reply').textContent()) ?? '').includes('sent') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      await page.reload();
    }
    await expectText(page.getByTestId('thread-reply')).toContain('sent');

    await page.getByRole('navigation').getByRole('link', { name: 'Mailbox' }).click();
    await page.getByRole('link', { name: 'Re: How are we doing?' }).click();
    await expectText(page.frameLocator('iframe[title="Email body"]').locator('body')).toContain("I'm sorry — that should not happen. I will call you today.");
    await expectText(page.frameLocator('iframe[title="Email body"]').locator('body')).toContain('Nobody answered my <ticket>');
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
