import type { Page } from 'playwright-core';
import {
  browserAvailable,
  expectText,
  setUpWorkspace,
  startBrowserSession,
  type BrowserSession,
} from '../helpers/browser';

const run = browserAvailable() ? describe : describe.skip;

run('a team builds its own survey and imports its customer list in a real browser', () => {
  let session: BrowserSession;
  let page: Page;
  let rapport: BrowserSession['rapport'];

  beforeAll(async () => {
    session = await startBrowserSession({ WORKER_ENABLED: 'false' });
    ({ page, rapport } = session);
    await setUpWorkspace(page, rapport.url);
  });

  afterAll(() => session?.close());

  it('builds a blank survey into an NPS question with a follow-up shown only to detractors, fixing what the form refuses', async () => {
    await page.getByRole('link', { name: 'New survey' }).click();
    await page.getByLabel(/Blank survey/).check();
    await page.getByRole('button', { name: 'Create survey' }).click();
    await page.waitForURL(/\/surveys\/[0-9a-f-]{36}\/edit$/);

    await page.getByLabel('Title', { exact: true }).fill('Support pulse');
    await page.getByLabel('New question type').selectOption('nps');
    await page.getByRole('button', { name: 'Add question' }).click();
    await page.getByRole('button', { name: 'Move question 2 up' }).click();
    await page.getByLabel('Question 1 text').fill('How likely are you to recommend our support?');
    await page.getByLabel('Question 2 text').fill('Sorry about that. How can I help?');
    await page.getByRole('group', { name: 'Show question 2 only to…' }).getByLabel('Detractors (0–6)').check();

    // A choice question without choices is refused, with the message next to it; removing it fixes the form.
    await page.getByLabel('New question type').selectOption('single_choice');
    await page.getByRole('button', { name: 'Add question' }).click();
    await page.getByRole('button', { name: 'Save' }).first().click();
    await expectText(page.getByRole('alert')).toContain('Nothing was saved');
    await expectText(page.locator('#f-questions\\.2\\.choices-err')).toBe(
      'Give at least two different choices, one per line.',
    );
    await page.getByRole('button', { name: 'Remove question 3' }).click();
    await page.getByRole('button', { name: 'Save' }).first().click();
    await expectText(page.getByRole('status')).toBe('Saved.');

    // The preview is the respondent's own page.
    await page.getByLabel('Preview as a respondent who clicked').selectOption('3');
    await page.getByRole('button', { name: 'Update preview' }).first().click();
    const preview = page.frameLocator('iframe[title="Respondent preview"]');
    expect(await preview.getByRole('radio', { name: '3', exact: true }).isChecked()).toBe(true);
    await expectText(preview.getByRole('group').first()).toContain('How likely are you to recommend our support?');
    // …styled as the respondent sees it: the respondent stylesheet loaded inside the sandboxed frame.
    const background = await preview.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(background).toBe('rgb(246, 247, 249)');
  });

  it('imports a CSV with bad rows: maps columns, previews the problems, shows progress and offers the refused rows', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('link', { name: 'Import CSV' }).click();
    const csv = [
      'Email,Full name,Plan,Language',
      'ada@example.com,Ada Lovelace,pro,en',
      'not an email,Bob,free,en',
      'grace@example.com,Grace Hopper,pro,xx',
      'lin@example.com,Lin,team,fr',
    ].join('\n');
    // The form's CSRF token travels in its body: no address the browser asks for (or shows) carries it.
    const addresses: string[] = [];
    const seen = (r: { url: () => string }) => addresses.push(r.url());
    page.on('request', seen);
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'crm.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    await page.waitForURL(/\/contacts\/imports\/[0-9a-f-]{36}$/);
    page.off('request', seen);
    expect(addresses.some((a) => a.endsWith('/contacts/imports'))).toBe(true);
    expect(addresses.filter((a) => /csrf/i.test(a))).toEqual([]);
    expect(await page.getByLabel('Full name', { exact: true }).inputValue()).toBe('name');
    expect(await page.getByLabel('Plan', { exact: true }).inputValue()).toBe('property');
    await expectText(page.locator('table.problems')).toContain('Invalid email "not an email".');
    await page.getByLabel('Tag every imported contact with (optional)').fill('crm');
    await page.getByRole('button', { name: 'Import contacts' }).click();
    await expectText(page.getByTestId('import-status')).toBe('Import finished.');
    await expectText(page.getByTestId('added')).toBe('2');
    await expectText(page.getByTestId('refused')).toBe('2');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the refused rows and why (CSV)' }).click();
    expect((await download).suggestedFilename()).toBe('refused-rows-crm.csv');

    await page.getByRole('link', { name: 'See contacts' }).click();
    await page.getByLabel('Property (key:value)').fill('Plan:pro');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expectText(page.locator('table tbody')).toContain('ada@example.com');
    expect(await page.locator('table tbody tr').count()).toBe(1);
  });
});
