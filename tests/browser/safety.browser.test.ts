import {
  axeViolations,
  browserAvailable,
  expectText,
  setUpWorkspace,
  startBrowserSession,
  type BrowserSession,
} from '../helpers/browser';

const run = browserAvailable() ? describe : describe.skip;

run('buttons that email people or destroy something ask first, in a real browser', () => {
  // No worker: what is asserted is what was queued, never a race with sending.
  let session: BrowserSession;
  let surveyUrl: string;
  beforeAll(async () => {
    session = await startBrowserSession({ WORKER_ENABLED: 'false', SCHEDULER_ENABLED: 'false' });
  });
  afterAll(() => session?.close());

  it('"Send now" with nobody to send to says so; with contacts it names the number and sends only on confirmation', async () => {
    const { page, rapport } = session;
    const base = rapport.url;
    await setUpWorkspace(page, base);
    await page.getByRole('link', { name: 'New survey' }).click();
    await page.getByRole('button', { name: 'Create survey' }).click();
    await page.waitForURL(/\/surveys\/[0-9a-f-]{36}$/);
    surveyUrl = page.url();

    await page.getByRole('link', { name: 'Send now…' }).click();
    await expectText(page.getByTestId('send-nobody')).toContain('Nobody to send to right now.');
    expect(await page.getByRole('button', { name: /^Email/ }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${base}/contacts`);
    await page.getByLabel('One per line: name, email').fill('Ada, ada@example.com\nGrace, grace@example.com');
    await page.getByRole('button', { name: 'Add contacts' }).click();
    await expectText(page.getByRole('status')).toContain('2 added');

    await page.goto(surveyUrl);
    await page.getByRole('link', { name: 'Send now…' }).click();
    await expectText(page.getByTestId('send-count')).toContain('This emails 2 people now.');
    // Cancel goes back and sends nothing.
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(surveyUrl);
    await page.getByRole('link', { name: 'Send now…' }).click();
    await page.getByRole('button', { name: 'Email 2 people now' }).click();
    await page.waitForURL(/\/waves\//);
    await expectText(page.locator('dl.stats div:first-child dd')).toBe('2');
  });

  it('a schedule every minute is refused on the form; a new one starts paused and is activated on a page that says when and to how many', async () => {
    const { page } = session;
    await page.goto(`${surveyUrl}/schedules/new`);
    await page.getByLabel('Custom cron expression').check();
    await page.getByRole('textbox', { name: 'Cron expression' }).fill('* * * * *');
    await page.getByRole('button', { name: 'Create schedule (paused)' }).click();
    await expectText(page.locator('#f-cron-err')).toContain('This sends more than once an hour');

    await page.getByRole('textbox', { name: 'Cron expression' }).fill('0 9 * * 1');
    await page.getByLabel('Name (optional)').fill('Monday pulse');
    await page.getByRole('button', { name: 'Create schedule (paused)' }).click();
    await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/);
    await expectText(page.getByTestId('schedule-state')).toBe('paused');

    await page.getByRole('link', { name: 'Activate…' }).click();
    await expectText(page.getByTestId('confirm-facts')).toContain('First send: Mon');
    await expectText(page.getByTestId('confirm-facts')).toContain('Audience: All subscribed contacts.');
    // Both were asked by "Send now" a moment ago: the page says the throttle leaves them out.
    await expectText(page.getByTestId('confirm-facts')).toContain(
      'it would email 0 people (2 left out by the throttle',
    );
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Activate schedule' }).click();
    await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/);
    await expectText(page.getByTestId('schedule-state')).toBe('active');

    await page.getByRole('link', { name: 'Delete…' }).click();
    await expectText(page.getByTestId('confirm-keeps')).toContain('The waves it already sent');
    await page.getByRole('button', { name: 'Delete schedule' }).click();
    await page.waitForURL(/\/schedules$/);
    await expectText(page.locator('main')).toContain('No schedule yet.');
  });
});
