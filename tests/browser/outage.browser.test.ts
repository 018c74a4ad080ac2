import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/testApp';
import { axeViolations, browserAvailable, expectText, launchBrowser } from '../helpers/browser';
import { NPS_SURVEY, seedDelivery, seedSurvey, seedWorkspace } from '../factories/respondent';

const run = browserAvailable() ? describe : describe.skip;

/**
 * A respondent answers while the database is down (the proxy in front of it is cut): they see that their
 * answer is not saved yet, with it still on the page, and — with JavaScript — the page sends it again by
 * itself until the database is back. Nothing is lost and nobody has to type it twice.
 */
run('a respondent answering during a database outage, in a real browser', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let surveyId: string;
  let workspaceId: string;

  beforeAll(async () => {
    t = await createTestApp({ outages: true });
    server = await new Promise<Server>((resolve) => {
      const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    workspaceId = await seedWorkspace(t.db);
    // A page is in one language: a German survey for the German contact below.
    surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, language: 'de' });
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it('shows "not saved yet" in their language with their answer, retries by itself, and saves it once the database is back', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId, { locale: 'de' });
    const ctx = await browser.newContext({ viewport: { width: 320, height: 640 } });
    const page = await ctx.newPage();
    // The page's clock is ours: its retry fires when the test says, never in the middle of an assertion.
    await page.clock.install();
    await page.goto(`${base}/r/${token}`);
    // Installed, the clock still flows, and a paused one would stall axe's own timers. So the page is told it has
    // already retried five times: its next retry waits the longest pace (60 s), which a slow axe sweep on a busy
    // machine cannot reach, and the test still fires it with the clock below.
    await page.evaluate((action) => sessionStorage.setItem(`rapport.retry:${action}`, '5'), `${base}/r/${token}`);
    t.proxy!.cut();
    await page.getByText('9', { exact: true }).click();
    await page.getByLabel('What is the main reason for your score?').fill('Schnelle Hilfe, danke');
    await page.getByRole('button', { name: 'Senden' }).click();

    // The outage page: their words, their score, Send, and the promise of a retry (JavaScript is on).
    await expectText(page.locator('[role=alert]')).toContain('Ihre Antwort ist noch nicht gespeichert');
    await expectText(page.locator('[data-retry-note]')).toContain('Wir versuchen es in wenigen Sekunden selbst');
    expect(await page.getByLabel('What is the main reason for your score?').inputValue()).toBe('Schnelle Hilfe, danke');
    expect(await page.locator('#nps-9').isChecked()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    expect(await t.db.query(`SELECT 1 FROM responses WHERE delivery_id = :deliveryId`, { deliveryId })).toHaveLength(0);

    // The database comes back; nobody touches the page. Its retry sends the answer (again, if the first try
    // still met a dead connection) and lands on the thank-you page.
    t.proxy!.restore();
    while (page.url() !== `${base}/r/${token}/thanks`) {
      const sent = page.waitForEvent('framenavigated');
      await page.clock.runFor(60_000);
      await sent;
      await page.waitForLoadState();
    }
    const saved = await t.db.one<{ score: number; comment: string; completed: boolean }>(
      `SELECT score, comment, completed_at IS NOT NULL AS completed FROM responses WHERE delivery_id = :deliveryId`,
      { deliveryId },
    );
    expect(saved).toEqual({ score: 9, comment: 'Schnelle Hilfe, danke', completed: true });
    await ctx.close();
  });
});
