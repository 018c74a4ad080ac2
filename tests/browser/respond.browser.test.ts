import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/testApp';
import { axeViolations, browserAvailable, launchBrowser } from '../helpers/browser';
import { waitFor } from '../helpers/wait';
import { EVERY_TYPE, NPS_SURVEY, seedDelivery, seedSurvey, seedWorkspace } from '../factories/respondent';

const run = browserAvailable() ? describe : describe.skip;
const PHONE = { width: 320, height: 640 };

run('the respondent in a real browser, at 320 px', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let workspaceId: string;
  let npsSurvey: string;
  let everySurvey: string;
  const thirdParty: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    server = await new Promise<Server>((resolve) => {
      const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    workspaceId = await seedWorkspace(t.db);
    npsSurvey = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, thankYouUrl: 'https://acme.example/' });
    everySurvey = await seedSurvey(t.db, workspaceId, { questions: EVERY_TYPE });
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  afterEach(() => expect(thirdParty).toEqual([]));

  async function context(javaScriptEnabled: boolean): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport: PHONE, javaScriptEnabled, reducedMotion: 'reduce' });
    ctx.on('request', (req) => {
      if (!req.url().startsWith(base)) thirdParty.push(req.url());
    });
    return ctx;
  }

  /** axe-core on the page as it is now. */
  async function expectAccessible(page: Page) {
    expect(await axeViolations(page)).toEqual([]);
    // Nothing sticks out sideways on a 320 px screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  }

  /** Axe needs JavaScript: check a no-JS page's DOM in a JS context where our own script is blocked. */
  async function expectAccessibleWithoutJs(url: string, method: 'GET' = 'GET') {
    const ctx = await context(true);
    await ctx.route('**/static/js/**', (route) => route.abort());
    const page = await ctx.newPage();
    const res = await page.goto(url);
    expect(res!.request().method()).toBe(method);
    await expectAccessible(page);
    await ctx.close();
  }

  const responseOf = (deliveryId: string) =>
    t.db.one<{ score: number; comment: string | null; completed: boolean }>(
      'SELECT score, comment, completed_at IS NOT NULL AS completed FROM responses WHERE delivery_id = :deliveryId',
      { deliveryId },
    );

  /** The value `read` gives once it is there and `ok`, waiting on the state (tests/helpers/wait.ts). */
  async function valueOnce<T>(read: () => Promise<T | undefined>, ok: (v: T) => boolean) {
    let value: T | undefined;
    await waitFor(async () => {
      value = await read();
      return value !== undefined && ok(value);
    }, 'the stored answer');
    return value!;
  }

  it('with JavaScript: the clicked score confirms itself once seen, follow-ups follow the band, answers save as you go, Send thanks', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, npsSurvey);
    const ctx = await context(true);
    const page = await ctx.newPage();
    await page.goto(`${base}/r/${token}?score=3`);
    expect(await page.getByRole('radio', { name: '3', exact: true }).isChecked()).toBe(true);
    await page.getByLabel('How can I help?').waitFor({ state: 'visible' });
    await expectAccessible(page);

    await page.getByRole('status').filter({ hasText: 'Your score is saved.' }).waitFor();
    expect(await responseOf(deliveryId)).toMatchObject({ score: 3, completed: false });

    // A promoter score hides the detractor follow-up and saves at once.
    await page.getByText('9', { exact: true }).click();
    await page.getByLabel('How can I help?').waitFor({ state: 'hidden' });
    await valueOnce(
      () => responseOf(deliveryId),
      (r) => r.score === 9,
    );
    await page.getByLabel('What is the main reason for your score?').fill('Quick answers');
    await valueOnce(
      () => responseOf(deliveryId),
      (r) => r.comment === 'Quick answers',
    );

    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { level: 1, name: 'Thank you!' }).waitFor();
    expect(await page.getByText('Valeria at Acme reads every answer.').isVisible()).toBe(true);
    await expectAccessible(page);
    expect(await responseOf(deliveryId)).toMatchObject({ score: 9, comment: 'Quick answers', completed: true });
    await ctx.close();
  });

  it('without JavaScript, keyboard only: nothing is recorded until one tap on Send; the follow-up comes next', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    const ctx = await context(false);
    const page = await ctx.newPage();
    await page.goto(`${base}/r/${token}?score=5`);
    expect(await page.locator('#sat-4').isChecked()).toBe(true);
    expect(await responseOf(deliveryId)).toBeUndefined();

    // Keyboard: Tab into the CSAT group (the checked radio takes focus) and arrow down to 1.
    await page.keyboard.press('Tab');
    expect(await page.locator('#sat-4:focus').count()).toBe(1);
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    expect(await page.locator('#sat-0').isChecked()).toBe(true);

    // Without JavaScript the low-band follow-up is not on the page yet; Send saves the score and asks it next.
    await page.locator('button[type=submit]').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/r/${token}?saved=1`);
    expect(await responseOf(deliveryId)).toMatchObject({ score: 1 });
    await page.getByLabel('What should we fix first?').fill('Billing');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { level: 1, name: 'Thank you!' }).waitFor();
    expect(await responseOf(deliveryId)).toMatchObject({ score: 1, comment: 'Billing', completed: true });
    await ctx.close();

    await expectAccessibleWithoutJs(`${base}/r/${token}?saved=1`);
    await expectAccessibleWithoutJs(`${base}/r/${token}/thanks`);
  });

  it('every other respondent page passes axe too (every question type, a refused answer, unsubscribe, 404, 410); focus is visible', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, everySurvey);
    await expectAccessibleWithoutJs(`${base}/r/${token}?score=1`);
    await expectAccessibleWithoutJs(`${base}/r/${token}/unsubscribe`);
    await expectAccessibleWithoutJs(`${base}/r/nonsense`);
    const closed = await seedSurvey(t.db, workspaceId, {
      questions: NPS_SURVEY,
      closesAt: '2020-01-01T00:00:00Z',
      language: 'fr',
    });
    const gone = await seedDelivery(t.db, t.sealer, workspaceId, closed);
    await expectAccessibleWithoutJs(`${base}/r/${gone.token}`);

    // A refused answer (the required follow-up for a low score left empty; the browser's own check is lifted)
    // and the unsubscribe confirmation, reached by posting, in a context where axe can run but our script cannot.
    const ctx = await context(true);
    await ctx.route('**/static/js/**', (route) => route.abort());
    const page = await ctx.newPage();
    await page.goto(`${base}/r/${token}?score=1`);
    // The keyboard focus ring is visible on the styled scale points.
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(() => getComputedStyle(document.querySelector('label[for="sat-0"]')!).outlineStyle),
    ).toBe('solid');
    await page.locator('#q-fix').evaluate((el) => el.removeAttribute('required'));
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByText('Please answer this question.').isVisible()).toBe(true);
    await expectAccessible(page);
    await page.goto(`${base}/r/${token}/unsubscribe`);
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await expectAccessible(page);
    await ctx.close();
  });
});
