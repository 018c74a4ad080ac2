import { WAIT_MS } from '../helpers/wait';
import {
  browserAvailable,
  expectText,
  ridePulse,
  setUpWorkspace,
  startBrowserSession,
  type BrowserSession,
} from '../helpers/browser';

const run = browserAvailable() ? describe : describe.skip;

run('a teammate closes the loop with a detractor in a real browser', () => {
  // The real start-up path: built-in mailbox, delivery worker running.
  let session: BrowserSession;
  beforeAll(async () => {
    session = await startBrowserSession();
  });
  afterAll(() => session?.close());

  it('a detractor answers; the teammate opens it from the inbox, replies, and the reply lands in the mailbox', async () => {
    const { page, rapport } = session;
    const base = rapport.url;
    await setUpWorkspace(page, base);

    // Ada answers 3 from her email.
    await ridePulse(page, { score: 3, comment: 'Nobody answered my <ticket>' });

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
    const deadline = Date.now() + WAIT_MS;
    while (!((await page.getByTestId('thread-reply').textContent()) ?? '').includes('sent') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      await page.reload();
    }
    await expectText(page.getByTestId('thread-reply')).toContain('sent');

    await page.getByRole('navigation').getByRole('link', { name: 'Mailbox' }).click();
    await page.getByRole('link', { name: 'Re: How are we doing?' }).click();
    await expectText(page.frameLocator('iframe[title="Email body"]').locator('body')).toContain(
      "I'm sorry — that should not happen. I will call you today.",
    );
    await expectText(page.frameLocator('iframe[title="Email body"]').locator('body')).toContain(
      'Nobody answered my <ticket>',
    );
  });
});
