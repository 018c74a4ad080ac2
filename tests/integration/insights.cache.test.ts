import request from 'supertest';
import { compactRollups } from '../../src/modules/insights';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

/**
 * The dashboard's rollup reads are cached (insights/rollupCache.ts) under the rollup's version: a page opened
 * again is served from memory, and a new or changed answer shows on the very next view.
 */
let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let surveyId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'Pulse' });
});
afterAll(() => t.close());

const text = (html: string, id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1]?.trim();
const numbers = async () => {
  const html = (await agent.get(`/surveys/${surveyId}`).expect(200)).text;
  return {
    responses: text(html, 'responses'),
    nps: text(html, 'nps'),
    promoters: text(html, 'q-nps-promoters'),
    detractors: text(html, 'q-nps-detractors'),
  };
};
async function answer(score: number, token?: string) {
  const d = token ? { token } : await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
  await request(t.app)
    .post(`/r/${d.token}`)
    .type('form')
    .send({ nps: String(score) })
    .expect(303);
  return d.token;
}

it('shows a new answer, a changed answer and a compaction on the very next view of a cached dashboard', async () => {
  await answer(10);
  await answer(8);
  const unhappy = await answer(2);
  // (1 − 1) / 3 = 0
  expect(await numbers()).toEqual({ responses: '3', nps: '0', promoters: '1', detractors: '1' });
  expect(await numbers()).toEqual({ responses: '3', nps: '0', promoters: '1', detractors: '1' });

  // A new promoter: (2 − 1) / 4 = +25, on the next view.
  await answer(10);
  expect(await numbers()).toEqual({ responses: '4', nps: '25', promoters: '2', detractors: '1' });

  // Folded into the rollup: the same numbers, read again.
  await compactRollups(t.db);
  expect(await numbers()).toEqual({ responses: '4', nps: '25', promoters: '2', detractors: '1' });

  // The cache is what served it: a change written behind the rollup's back (only the compactor writes it, and
  // bumps the epoch when it does) is not seen until the version moves.
  await t.db.execute(
    `UPDATE insight_rollups SET n = n + 100 WHERE survey_id = :surveyId AND question_id = '#responses'`,
    { surveyId },
  );
  expect((await numbers()).responses).toBe('4');
  await t.db.execute(`UPDATE insight_rollup_epoch SET epoch = epoch + 1`);
  expect((await numbers()).responses).toBe('104');
  await t.db.execute(
    `UPDATE insight_rollups SET n = n - 100 WHERE survey_id = :surveyId AND question_id = '#responses'`,
    { surveyId },
  );
  await t.db.execute(`UPDATE insight_rollup_epoch SET epoch = epoch + 1`);

  // The detractor changes their mind (2 → 9): (3 − 0) / 4 = +75, on the next view.
  expect(await numbers()).toEqual({ responses: '4', nps: '25', promoters: '2', detractors: '1' });
  await answer(9, unhappy);
  expect(await numbers()).toEqual({ responses: '4', nps: '75', promoters: '3', detractors: '0' });
});

it("serves an open question's themes from the cache, and follows an edited or erased comment on the next view", async () => {
  const themed = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'Themes' });
  const say = async (reason: string, token?: string) => {
    const d = token ? { token } : await seedDelivery(t.db, t.sealer, workspaceId, themed);
    await request(t.app).post(`/r/${d.token}`).type('form').send({ nps: '9', reason }).expect(303);
    return d.token;
  };
  const themes = async () =>
    [...(await agent.get(`/surveys/${themed}`).expect(200)).text.matchAll(/data-testid="theme">([^<]*)</g)]
      .map((m) => m[1])
      .sort();
  const first = await say('Slow delivery');
  const second = await say('Slow delivery again');
  expect(await themes()).toEqual(['delivery', 'slow', 'slow delivery']);

  // The cache is what served them: an edit written with the triggers set aside (so the version does not move)
  // is not seen.
  await t.db.transaction(async (tx) => {
    await t.db.execute(`SET LOCAL session_replication_role = replica`, {}, tx);
    await t.db.execute(
      `UPDATE responses SET answers = answers || '{"reason": "Friendly people"}' WHERE survey_id = :themed`,
      { themed },
      tx,
    );
  });
  expect(await themes()).toEqual(['delivery', 'slow', 'slow delivery']);
  await t.db.execute(
    `UPDATE responses SET answers = answers || '{"reason": "Slow delivery"}' WHERE survey_id = :themed`,
    { themed },
  );

  // The respondent rewrites their comment: no count changes (still answered, still 9), the themes do.
  await say('Friendly support', second);
  expect(await themes()).toEqual([]);
  await say('Friendly support team', first);
  expect(await themes()).toEqual(['friendly', 'friendly support', 'support']);
  // Erased (the comment stripped, as a contact's erasure does): gone on the next view.
  await t.db.execute(`UPDATE responses SET answers = answers - 'reason' WHERE survey_id = :themed`, { themed });
  expect(await themes()).toEqual([]);
});
