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

run(
  'the whole loop on a laptop, in a real browser: a detractor answers, the teammate replies, the customer writes back, the measures move',
  () => {
    // The real start-up path with no SMTP_URL: the built-in mailbox and Rapport's own inbound listener on loopback.
    let session: BrowserSession;
    beforeAll(async () => {
      session = await startBrowserSession();
    });
    afterAll(() => session?.close());

    it('the teammate replies; "Reply as the customer" in the Mailbox sends a real answer that shows up in the thread', async () => {
      const { page, rapport } = session;
      const base = rapport.url;
      await setUpWorkspace(page, base);

      // Ada answers 2 from her email.
      await ridePulse(page, { score: 2, comment: 'Exports keep timing out' });

      // The teammate replies and closes the conversation.
      await page.goto(`${base}/inbox`);
      await page.getByRole('link', { name: 'Exports keep timing out' }).click();
      await page.waitForURL(/\/inbox\/[0-9a-f-]{36}$/);
      const conversationUrl = page.url();
      await page.getByLabel('Your reply').fill('So sorry. We rebuilt the export this week; does it work for you now?');
      await page.getByRole('button', { name: 'Send and close' }).click();
      await expectText(page.getByTestId('conversation-status')).toBe('closed');
      const deadline = Date.now() + WAIT_MS;
      while (
        !((await page.getByTestId('thread-reply').textContent()) ?? '').includes('sent') &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 300));
        await page.reload();
      }
      await expectText(page.getByTestId('thread-reply')).toContain('sent');

      // In the Mailbox, Ada answers the reply: real SMTP into the inbound listener.
      await page.getByRole('navigation').getByRole('link', { name: 'Mailbox' }).click();
      await page.getByRole('link', { name: 'Re: How are we doing?' }).click();
      await page.getByText('Reply as the customer').click();
      expect(await page.getByLabel('The customer writes').inputValue()).toBe('Thanks, that helps');
      await page.getByLabel('The customer writes').fill('Thanks, that helps. It works now!');
      await page.getByRole('button', { name: 'Send as the customer' }).click();

      // It lands in the conversation, history stripped, and the conversation is open again.
      await page.waitForURL((url) => url.href.startsWith(conversationUrl));
      await expectText(page.getByTestId('thread-customer')).toContain('Thanks, that helps. It works now!');
      expect(await page.getByTestId('thread-customer').textContent()).not.toContain('We rebuilt the export');
      await expectText(page.getByTestId('conversation-status')).toBe('open');
      await page.goto(`${base}/inbox`);
      await expectText(page.getByTestId('customer-replied')).toBe('customer replied');

      // The loop measures move: Ada's unhappy answer got a personal reply, and she wrote back.
      await page.goto(`${base}/measures`);
      await expectText(page.locator('[data-measure="Personal reply"] strong')).toBe('100 %');
      await expectText(page.locator('[data-measure="Wrote back"] strong')).toBe('100 %');
    });
  },
);
