import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { runImport, stat as importStat, uploadCsv } from '../helpers/audience';
import { seedSurvey } from '../factories/respondent';

/**
 * Moving from Delighted: its export of past responses goes through the contacts import into a chosen survey, so
 * the dashboard's numbers and trend go on from the old tool's data, while nothing about these old answers is
 * news (no alert, no webhook, nothing open in the inbox).
 */
let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let surveyId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, {
    title: 'Would you recommend us?',
    questions: [
      { id: 'nps', type: 'nps', text: 'How likely are you to recommend us?', required: true },
      { id: 'why', type: 'long_text', text: 'Why?', required: false },
    ],
  });
  // Someone listens to every answer: an imported one must not reach them.
  await t.db.execute(
    `INSERT INTO webhook_endpoints (workspace_id, url, events, secret_sealed) VALUES (:workspaceId, 'https://hooks.example.com/x', '{response.created,response.confirmed}', 'x')`,
    { workspaceId },
  );
});
afterAll(() => t.close());

// Delighted's export columns; line numbers on the right (the header is line 1).
const EXPORT = [
  'Response ID,Email,Name,Score,Comment,Response Timestamp,Plan,Country', // 1
  '1,ada@example.com,Ada Lovelace,10,Love it,2025-01-06 09:00:00 UTC,pro,UK', // 2
  '2,bob@example.com,Bob,9,,2025-01-07 10:00:00 UTC,free,US', // 3
  '3,cy@example.com,Cy,3,Too slow,2025-01-08 11:00:00 UTC,pro,FR', // 4
  '4,ada@example.com,Ada Lovelace,8,,1736503200,team,UK', // 5: a Unix timestamp (2025-01-10 10:00 UTC)
  '5,dee@example.com,Dee,11,,2025-01-09,free,US', // 6: out of 0–10
  '6,eve@example.com,Eve,5,meh,2025-02-30 10:00:00,free,US', // 7: no such day
  '7,not-an-email,X,7,,2025-01-09,free,US', // 8
  '8,fay@example.com,Fay,6,Could be better,2025-01-11T12:00:00+01:00,free,DE', // 9
  '9,gus@example.com,Gus,10,,2025-01-12,pro,US', // 10
  '',
].join('\n');

const dashboard = async () => (await agent.get(`/surveys/${surveyId}`).expect(200)).text;
const text = (html: string, id: string) => new RegExp(`data-testid="${id}">([^<]*)<`).exec(html)?.[1]?.trim();

describe('a Delighted export of past responses', () => {
  let jobUrl: string;

  it('is recognised as past answers (score, comment, time; its bookkeeping columns left out) and offers the surveys with a score', async () => {
    jobUrl = (await uploadCsv(agent, EXPORT, 'delighted-export.csv')).headers.location!;
    const page = (await agent.get(jobUrl).expect(200)).text;
    const selected = [
      ...page.matchAll(/<select id="col-\d+" name="col\.\d+">[\s\S]*?<option value="(\w+)" selected>/g),
    ].map((m) => m[1]);
    expect(selected).toEqual(['ignore', 'email', 'name', 'score', 'comment', 'answered_at', 'property', 'property']);
    expect(page).toContain('Import past answers');
    // The only survey with a score is chosen already.
    expect(page).toMatch(
      new RegExp(`<option value="${surveyId}" selected>Would you recommend us\\? \\(scores 0–10\\)`),
    );
    expect(page).toContain('Score &#34;11&#34; is not a whole number from 0 to 10.');
  });

  it('is refused without a survey to put the answers in, and nothing starts', async () => {
    const res = await runImportExpecting(jobUrl, { survey: '' }, 422);
    expect(res).toContain('Choose the survey these past answers go into');
    expect((await t.db.one<{ status: string }>('SELECT status FROM contact_imports'))!.status).toBe('uploaded');
  });

  it('imports each good row as an answer dated as in the file, and reports each broken row by its line', async () => {
    const done = await runImport(agent, jobUrl, { survey: surveyId });
    expect(done).toContain('Import finished.');
    expect([importStat(done, 'rows'), importStat(done, 'added'), importStat(done, 'refused')]).toEqual([9, 5, 3]);
    expect(importStat(done, 'answers-added')).toBe(6);

    const csv = (await agent.get(`${jobUrl}/refusals.csv`).expect(200)).text;
    expect(csv.trim().split('\n')).toEqual([
      'row,email,reason',
      '6,dee@example.com,"Score ""11"" is not a whole number from 0 to 10."',
      '7,eve@example.com,"Unreadable time ""2025-02-30 10:00:00"": write it as 2024-03-01 14:05:00 (UTC), ISO 8601 or a Unix timestamp."',
      '8,not-an-email,"Invalid email ""not-an-email""."',
    ]);

    const rows = await t.db.query<{
      email: string;
      score: number;
      comment: string | null;
      at: string;
      imported: boolean;
    }>(
      `SELECT c.email, r.score, r.comment, to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS at,
         r.imported_at IS NOT NULL AS imported
       FROM responses r JOIN contacts c ON c.id = r.contact_id WHERE r.survey_id = :surveyId ORDER BY r.submitted_at`,
      { surveyId },
    );
    expect(rows).toEqual([
      { email: 'ada@example.com', score: 10, comment: 'Love it', at: '2025-01-06 09:00', imported: true },
      { email: 'bob@example.com', score: 9, comment: null, at: '2025-01-07 10:00', imported: true },
      { email: 'cy@example.com', score: 3, comment: 'Too slow', at: '2025-01-08 11:00', imported: true },
      { email: 'ada@example.com', score: 8, comment: null, at: '2025-01-10 10:00', imported: true },
      { email: 'fay@example.com', score: 6, comment: 'Could be better', at: '2025-01-11 11:00', imported: true },
      { email: 'gus@example.com', score: 10, comment: null, at: '2025-01-12 00:00', imported: true },
    ]);
    // The other columns are the person's properties; Ada's last row wins.
    const ada = await t.db.one<{ name: string; properties: Record<string, string> }>(
      `SELECT name, properties FROM contacts WHERE email = 'ada@example.com'`,
    );
    expect(ada).toEqual({ name: 'Ada Lovelace', properties: { Plan: 'team', Country: 'UK' } });
  });

  it('counts them on the dashboard: 6 answers, 3 promoters (10, 9, 10), 1 passive (8), 2 detractors (3, 6): NPS (3 − 2) / 6 = +17', async () => {
    const html = await dashboard();
    expect(text(html, 'responses')).toBe('6');
    expect(text(html, 'nps')).toBe('17');
    expect(text(html, 'q-nps-promoters')).toBe('3');
    expect(text(html, 'q-nps-passives')).toBe('1');
    expect(text(html, 'q-nps-detractors')).toBe('2');
    expect(text(html, 'q-why-answered')).toBe('3');
    expect(html).toContain('Too slow');
  });

  it('keeps the rollup exact: a raw recount finds nothing to correct', async () => {
    const before = await t.db.one<{ n: number }>('SELECT count(*)::int AS n FROM insight_rollup_deltas');
    await t.db.execute('SELECT rapport_insights_recount(:surveyId, 1)', { surveyId });
    expect(await t.db.one('SELECT count(*)::int AS n FROM insight_rollup_deltas')).toEqual(before);
  });

  it('raises no alert and no webhook, and leaves nothing open in the inbox (filed as closed, still readable)', async () => {
    expect(await t.db.query('SELECT 1 FROM alerts')).toHaveLength(0);
    expect(await t.db.query('SELECT 1 FROM webhook_events')).toHaveLength(0);
    const open = (await agent.get('/inbox').expect(200)).text;
    expect(open).not.toContain('data-testid="inbox-row"');
    const closed = (await agent.get('/inbox?status=closed&answers=every').expect(200)).text;
    expect([...closed.matchAll(/data-testid="inbox-row"/g)]).toHaveLength(6);
    const statuses = await t.db.query<{ status: string }>(
      'SELECT DISTINCT status FROM conversations WHERE survey_id = :surveyId',
      { surveyId },
    );
    expect(statuses).toEqual([{ status: 'closed' }]);
  });

  it('adds nothing when the same file is imported again: each answer is reported as already there', async () => {
    const again = (await uploadCsv(agent, EXPORT, 'delighted-export.csv')).headers.location!;
    const done = await runImport(agent, again, { survey: surveyId });
    expect(importStat(done, 'answers-added')).toBe(0);
    expect(importStat(done, 'refused')).toBe(9);
    const csv = (await agent.get(`${again}/refusals.csv`).expect(200)).text;
    expect(csv).toContain(
      '2,ada@example.com,"Already imported: this answer (same person, same time) is in the survey."',
    );
    expect(text(await dashboard(), 'responses')).toBe('6');
  });

  it('leaves a contact list with a "Rating" column a contact list', async () => {
    const list = (await uploadCsv(agent, 'email,name,Rating\nzed@example.com,Zed,5\n', 'crm.csv')).headers.location!;
    const page = (await agent.get(list).expect(200)).text;
    expect(page).toContain('Import contacts');
    expect(page).not.toContain('name="survey"');
  });
});

/** Starts an import with the page's mapping and these fields, expecting a refusal. */
async function runImportExpecting(jobUrl: string, overrides: Record<string, string>, status: number) {
  const page = (await agent.get(jobUrl).expect(200)).text;
  const fields: Record<string, string> = {
    _csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]!,
    action: 'import',
  };
  for (const m of page.matchAll(/<select id="col-(\d+)" name="col\.\d+">([\s\S]*?)<\/select>/g))
    fields[`col.${m[1]}`] = /<option value="(\w+)" selected>/.exec(m[2]!)![1]!;
  for (const m of page.matchAll(/name="key\.(\d+)" value="([^"]*)"/g)) fields[`key.${m[1]}`] = m[2]!;
  return (
    await agent
      .post(jobUrl)
      .type('form')
      .send({ ...fields, ...overrides })
      .expect(status)
  ).text;
}
