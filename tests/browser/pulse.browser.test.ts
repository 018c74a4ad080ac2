import {
  browserAvailable,
  expectText,
  setUpWorkspace,
  startBrowserSession,
  type BrowserSession,
} from '../helpers/browser';

const run = browserAvailable() ? describe : describe.skip;

run('a team runs one pulse in a real browser, from setup to the dashboard', () => {
  // The real start-up path, with the built-in mailbox (no SMTP_URL) and the delivery worker running.
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession();
  });
  afterAll(() => session?.close());

  it('sets up, creates a survey, adds contacts, sends, answers 9 from the mailbox and sees NPS 100 with the comment', async () => {
    const { page, rapport } = session;
    const base = rapport.url;
    await page.goto(base);
    expect(page.url()).toBe(`${base}/setup`);
    await setUpWorkspace(page, base);

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
    await page.getByRole('link', { name: 'Send now…' }).click();
    await expectText(page.getByTestId('send-count')).toContain('This emails 1 person now.');
    await page.getByRole('button', { name: 'Email 1 person now' }).click();
    await page.waitForURL(/\/waves\//);
    // The wave page refreshes itself until the worker has sent everything.
    await page.getByText('All invitations have been handled.').waitFor();

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
  });
});
