import request from 'supertest';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';
import { copyOut, queryStream } from '../../src/platform/dbStream';

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

describe('an export on the same pool', () => {
  const drain = async (stream: NodeJS.ReadableStream) => {
    let text = '';
    for await (const chunk of stream) text += chunk.toString();
    return text;
  };
  // A statement the server holds for 400 ms, twice the pool's own bound.
  const slow = `SELECT 'done' AS x FROM pg_sleep(0.4)`;

  it('streams for as long as its own timeout allows, then gives its connection back with the pool bound', async () => {
    await expect(drain(await copyOut(t.readers!, slow, {}, 'FORMAT csv'))).rejects.toMatchObject({ code: '57014' });
    expect(await drain(await copyOut(t.readers!, slow, {}, 'FORMAT csv', { statementTimeoutMs: 5000 }))).toBe('done\n');
    const rows: string[] = [];
    for await (const row of await queryStream(t.readers!, slow, {}, { statementTimeoutMs: 5000 }))
      rows.push((row as { x: string }).x);
    expect(rows).toEqual(['done']);
    // Both connections of the pool (two statements at once) are back at the dashboards' 200 ms.
    const bounds = await Promise.all(
      [1, 2].map(() =>
        t.readers!.one<{ t: string }>(`SELECT current_setting('statement_timeout') AS t FROM pg_sleep(0.05)`),
      ),
    );
    expect(bounds.map((b) => b!.t)).toEqual(['200ms', '200ms']);
  });
});
