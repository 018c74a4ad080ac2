import request from 'supertest';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let surveyId: string;

beforeAll(async () => {
  // Dashboards read through a pool of their own whose statements may run 200 ms.
  t = await createTestApp({ readersTimeoutMs: 200 });
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'Pulse' });
  // A thousand long comments: their themes (every word looked up in the dictionary, 400,000 of them) take
  // seconds on any machine, far over the timeout.
  await t.db.execute(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, submitted_at)
     SELECT :workspaceId, :surveyId, 1, i % 11,
       jsonb_build_object('nps', i % 11, 'reason', repeat('Slow deliveries and friendly support people ' || i || ' ', 80)),
       now() - make_interval(mins => i)
     FROM generate_series(1, 1000) i`,
    { workspaceId, surveyId },
  );
});
afterAll(() => t.close());

describe("the dashboards' own pool", () => {
  it('sets its connections apart: no JIT, no parallel workers, a statement timeout', async () => {
    const show = async (name: string) =>
      Object.values((await t.readers!.one<Record<string, string>>(`SHOW ${name}`))!)[0];
    expect(await show('jit')).toBe('off');
    expect(await show('max_parallel_workers_per_gather')).toBe('0');
    expect(await show('statement_timeout')).toBe('200ms');
    // The main pool is untouched.
    expect(Object.values((await t.db.one<Record<string, string>>('SHOW statement_timeout'))!)[0]).toBe('0');
  });

  it('answers a dashboard that outlives the timeout with a 503 saying what to do, while respondents are saved', async () => {
    const page = await agent.get(`/surveys/${surveyId}`).expect(503);
    expect(page.text).toContain('This view took too long to work out. Try a shorter date range or a narrower filter');
    const d = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    await request(t.app).post(`/r/${d.token}`).type('form').send({ nps: '9' }).expect(303);
    expect(await t.db.query(`SELECT score FROM responses WHERE delivery_id = :id`, { id: d.deliveryId })).toEqual([
      { score: 9 },
    ]);
  });
});
