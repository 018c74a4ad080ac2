import { Webhook } from 'standardwebhooks';
import {
  axeViolations,
  browserAvailable,
  setUpWorkspace,
  startBrowserSession,
  type BrowserSession,
} from '../helpers/browser';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { WAIT_MS } from '../helpers/wait';

const run = browserAvailable() ? describe : describe.skip;

run('Settings → Webhooks in a browser', () => {
  let session: BrowserSession;
  let receiver: Receiver;
  beforeAll(async () => {
    // The running app's own worker delivers; the receiver is on loopback, so private targets are allowed here.
    session = await startBrowserSession({ WEBHOOKS_ALLOW_PRIVATE: 'true' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await session?.close();
  });

  it('an owner adds an endpoint, copies the secret shown once, sends a test event and sees it delivered in the log; each page passes axe-core', async () => {
    const { page, rapport } = session;
    const base = rapport.url;
    const found: Record<string, string[]> = {};
    const check = async (name: string) => {
      const v = await axeViolations(page);
      if (v.length) found[name] = v;
    };
    await setUpWorkspace(page, base);
    await page.goto(`${base}/settings`);
    await page.getByRole('link', { name: 'Webhooks and Slack' }).click();
    await page.waitForURL(`${base}/settings/webhooks`);
    await check('webhooks (empty)');

    await page.getByLabel('URL').fill(receiver.url('/rapport'));
    await page.getByLabel('Description (optional)').fill('CRM sync');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await page.getByTestId('webhook-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await check('secret');
    await page.getByRole('link', { name: 'Done' }).click();
    await page.waitForURL(/\/settings\/webhooks\/[0-9a-f-]{36}$/);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: 'Send test event' }).click();
    await receiver.until(1);
    const got = receiver.received[0]!;
    expect(new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).toMatchObject({
      type: 'webhook.test',
    });
    // The log shows the delivery once the worker has recorded it.
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      await page.reload();
      if (
        (
          await page
            .getByTestId('delivery-log')
            .textContent()
            .catch(() => '')
        )?.includes('sent')
      )
        break;
      if (Date.now() > deadline) throw new Error('The delivery log never showed the test event as sent');
      await new Promise((r) => setTimeout(r, 200));
    }
    const row = page.getByTestId('delivery-log').locator('tbody tr').first();
    expect(await row.textContent()).toMatch(/webhook\.test\s+sent\s+1\s+200\s+\d+ ms/);
    await check('endpoint with log');
    await row.getByRole('link').click();
    await page.waitForURL(/\/deliveries\//);
    await check('delivery');

    // A URL on a metadata address is refused on the form, with the reason next to the field.
    await page.goto(`${base}/settings/webhooks`);
    await page.getByLabel('URL').fill('http://169.254.169.254/latest/meta-data/');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    expect(await page.locator('#f-url-err').textContent()).toContain('link-local');
    await check('refused URL');
    expect(found).toEqual({});
  });
});
