import { createDb, type Db } from '../../src/platform/db';
import {
  axeViolations,
  browserAvailable,
  expectText,
  setUpWorkspace,
  startBrowserSession,
  type BrowserSession,
} from '../helpers/browser';

const run = browserAvailable() ? describe : describe.skip;

run('insights in a real browser', () => {
  let session: BrowserSession;
  let db: Db;
  let base: string;
  let workspaceId: string;
  beforeAll(async () => {
    session = await startBrowserSession({ WORKER_ENABLED: 'false' });
    db = createDb(session.rapport.databaseUrl, { poolMax: 2 });
    base = session.rapport.url;
    await setUpWorkspace(session.page, base);
    workspaceId = (await db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await session?.close();
  });

  /** Answers over the last ten weeks, straight into the table the dashboards count from. */
  const seed = (
    surveyId: string,
    rows: { score: number | null; answers: Record<string, unknown>; daysAgo: number }[],
  ) =>
    db.query(
      `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, submitted_at)
       SELECT :workspaceId, :surveyId, 1, x.score, x.answers, now() - make_interval(days => x.days_ago)
       FROM jsonb_to_recordset(:rows::jsonb) AS x(score int, answers jsonb, days_ago int) RETURNING id`,
      {
        workspaceId,
        surveyId,
        rows: JSON.stringify(rows.map((r) => ({ score: r.score, answers: r.answers, days_ago: r.daysAgo }))),
      },
    );

  it('a "What do you think?" survey shows its comments and themes, never NPS, and passes axe-core', async () => {
    const { page } = session;
    await page.goto(`${base}/surveys/new`);
    await page.getByRole('radio', { name: /What do you think\?/ }).check();
    await page.getByLabel('Topic (for "What do you think?")').fill('our new pricing');
    await page.getByRole('button', { name: 'Create survey' }).click();
    await page.waitForURL(/\/surveys\/[0-9a-f-]{36}/);
    const surveyId = /\/surveys\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const said = [
      'Too expensive for small teams',
      'The annual plan is too expensive',
      'Clear pricing page',
      'Fair price',
    ];
    await seed(
      surveyId,
      Array.from({ length: 60 }, (_, i) => ({ score: null, answers: { opinion: said[i % 4]! }, daysAgo: i })),
    );
    await page.goto(`${base}/surveys/${surveyId}`);
    await expectText(
      page.getByRole('heading', { level: 2, name: /What do you think about our new pricing\?/ }),
    ).toContain('our new pricing');
    await expectText(page.locator('.comments blockquote')).toContain('');
    expect(await page.locator('.comments blockquote').count()).toBe(5);
    const themes = await page.getByTestId('theme').allTextContents();
    // "pricing" and "price" are one stem; "too" and "the" are English stop words.
    expect(themes).toEqual(expect.arrayContaining(['expensive', 'price', 'annual plan', 'clear pricing']));
    expect(themes.filter((x) => /^(the|too|for|is)\b/.test(x))).toEqual([]);
    expect(await page.locator('body').innerText()).not.toMatch(/NPS/);
    expect(await axeViolations(page)).toEqual([]);

    // A theme opens the answers behind it.
    await page
      .getByTestId('theme')
      .filter({ hasText: /^annual plan$/ })
      .click();
    await page.waitForURL(/\/comments\/opinion\?/);
    const quotes = await page.locator('.comments blockquote').allTextContents();
    expect(quotes).toEqual(Array(15).fill('The annual plan is too expensive'));
    expect(await page.locator('body').innerText()).not.toMatch(/NPS/);
    expect(await axeViolations(page)).toEqual([]);
  }, 90_000);

  it("a CSAT survey's trend has its numbers behind a table toggle; responses and the comparison pass axe-core", async () => {
    const { page } = session;
    await page.goto(`${base}/surveys/new`);
    await page.getByRole('radio', { name: /How did we do\?/ }).check();
    await page.getByRole('button', { name: 'Create survey' }).click();
    await page.waitForURL(/\/surveys\/[0-9a-f-]{36}/);
    const surveyId = /\/surveys\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    // Ten weeks of 40 answers; in the latest week, 30 of 40 satisfied (4–5).
    await seed(
      surveyId,
      Array.from({ length: 400 }, (_, i) => {
        const score = i < 40 ? (i < 30 ? 5 : 2) : (i % 5) + 1;
        return { score, answers: { csat: score }, daysAgo: Math.floor(i / 40) * 7 };
      }),
    );
    await page.goto(`${base}/surveys/${surveyId}?grain=week`);
    await expectText(page.getByRole('heading', { name: '% satisfied by week' })).toBe('% satisfied by week');
    await page.locator('#trend-chart').waitFor();
    const table = page.getByTestId('trend-table');
    expect(await table.isVisible()).toBe(false);
    await page.getByText('Show the numbers as a table').click();
    await expectText(table.locator('tbody tr').last()).toContain('75 %');
    expect(await table.locator('tbody tr').last().locator('td').nth(1).textContent()).toBe('40');
    expect(await page.locator('body').innerText()).not.toMatch(/NPS/);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Responses', exact: true }).click();
    await page.getByTestId('responses-table').waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await db.query(
      `INSERT INTO segments (workspace_id, name, filter) VALUES (:workspaceId, 'VIP', '{"tags": ["vip"]}'), (:workspaceId, 'Trial', '{"tags": ["trial"]}') RETURNING id`,
      { workspaceId },
    );
    await page.goto(`${base}/surveys/${surveyId}`);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('compare-table').waitFor();
    expect(await axeViolations(page)).toEqual([]);
  }, 90_000);
});
