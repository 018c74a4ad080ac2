import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/testApp';
import { axeViolations, browserAvailable, launchBrowser } from '../helpers/browser';
import { seedDelivery, seedSurvey, seedWorkspace } from '../factories/respondent';
import type { Question } from '../../src/modules/surveys/questions';

const run = browserAvailable() ? describe : describe.skip;

const QUESTIONS: Question[] = [
  {
    id: 'nps',
    type: 'nps',
    text: 'How likely are you to recommend us?',
    required: true,
    lowLabel: 'Not at all likely',
    highLabel: 'Extremely likely',
    translations: {
      fr: { text: 'Nous recommanderiez-vous à un ami ?', lowLabel: 'Pas du tout probable', highLabel: 'Très probable' },
    },
  },
  {
    id: 'plan',
    type: 'single_choice',
    text: 'Which plan are you on?',
    required: false,
    choices: ['Free', 'Pro'],
    translations: { fr: { text: 'Quelle formule avez-vous ?', choices: { Free: 'Gratuite', Pro: 'Pro' } } },
  },
];

run('a survey in French, in a real browser at 375 px', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let workspaceId: string;
  let surveyId: string;

  beforeAll(async () => {
    t = await createTestApp();
    server = await new Promise<Server>((resolve) => {
      const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    workspaceId = await seedWorkspace(t.db);
    surveyId = await seedSurvey(t.db, workspaceId, { questions: QUESTIONS, title: 'How are we doing?' });
    await t.db.execute(
      `UPDATE surveys SET translations = '{"fr": {"subject": "Comment allons-nous ?"}}' WHERE id = :surveyId`,
      { surveyId },
    );
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it('a French contact opens their link and reads the French questions and choices; the answer keeps its default-language value', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId, { locale: 'fr-FR' });
    const ctx = await browser.newContext({ viewport: { width: 375, height: 720 }, javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`${base}/r/${token}?score=9`);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Comment allons-nous ?');
    expect(await page.locator('legend').allTextContents()).toEqual([
      'Nous recommanderiez-vous à un ami ?',
      'Quelle formule avez-vous ? (facultatif)',
    ]);
    expect(await page.locator('p.ends').textContent()).toContain('Pas du tout probable');
    expect(await page.textContent('body')).not.toContain('recommend');
    await page.getByText('Gratuite', { exact: true }).click();
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.waitForURL(/\/thanks$/);
    expect(await page.textContent('h1')).toBe('Merci !');
    const [row] = await t.db.query<{ answers: Record<string, unknown>; locale: string }>(
      `SELECT answers, locale FROM responses WHERE survey_id = :surveyId`,
      { surveyId },
    );
    expect(row).toEqual({ answers: { nps: 9, plan: 'Free' }, locale: 'fr' });
    await ctx.close();
  });

  it('a contact with no locale reads the default language, and the page passes axe-core', async () => {
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    const ctx = await browser.newContext({ viewport: { width: 375, height: 720 } });
    const page = await ctx.newPage();
    await page.goto(`${base}/r/${token}`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('legend').first().textContent()).toBe('How likely are you to recommend us?');
    expect(await page.getByLabel('Free').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await ctx.close();
  });
});
