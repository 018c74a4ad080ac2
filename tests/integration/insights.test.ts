import request from 'supertest';
import { createSurvey, createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let surveyId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  surveyId = await createSurvey(agent);
});
afterAll(() => t.close());

/** Answers as they would have arrived `daysAgo` days ago, straight into the table the dashboard reads. */
async function seed(daysAgo: number, scores: number[]) {
  await t.db.execute(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, submitted_at)
     SELECT s.workspace_id, s.id, 1, x.score, now() - make_interval(days => :daysAgo)
     FROM surveys s, unnest(ARRAY[:scores]::int[]) AS x(score) WHERE s.id = :surveyId`,
    { surveyId, daysAgo, scores },
  );
}
const clear = () => t.db.execute('DELETE FROM responses');
const dashboard = async () => (await agent.get(`/surveys/${surveyId}`).expect(200)).text;

describe('"are we getting better?"', () => {
  afterEach(clear);

  it('says there is not enough to compare before any answers', async () => {
    expect(await dashboard()).toMatch(/Not enough answers yet to compare/);
  });

  it('calls a large, well-sampled rise "Better" and shows the margin of error', async () => {
    await seed(40, [...Array(60).fill(3), ...Array(60).fill(9), ...Array(80).fill(7)]); // NPS 0
    await seed(5, [...Array(20).fill(3), ...Array(120).fill(10), ...Array(60).fill(8)]); // NPS 50
    const html = await dashboard();
    expect(html).toMatch(/Better: \+50 points, more than the margin of error\./);
    expect(html).toMatch(/Last 30 days: NPS 50 ± \d+ \(200 answers\)/);
  });

  it('calls a small-sample swing "No clear change" instead of celebrating noise', async () => {
    await seed(40, [3, 9, 7]);
    await seed(2, [9, 10, 6]);
    expect(await dashboard()).toMatch(/No clear change: \+33 points is within the margin of error\./);
  });

  it('charts weekly NPS with the number of answers behind each point', async () => {
    await seed(1, [10, 10, 0]);
    const html = await dashboard();
    const points = JSON.parse(
      /data-points="([^"]+)"/
        .exec(html)![1]!
        .replace(/&#34;/g, '"')
        .replace(/&quot;/g, '"'),
    );
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ responses: 3, nps: 33 });
  });
});

describe('the public link', () => {
  it('appears on the dashboard once the survey allows it, the same each time, and opens the survey for anyone', async () => {
    expect(await dashboard()).not.toContain('id="public-link"');
    await t.db.execute('UPDATE surveys SET public_link_enabled = true WHERE id = :surveyId', { surveyId });
    const link = /id="public-link" type="text" readonly value="([^"]+)"/.exec(await dashboard())![1]!;
    expect(link).toMatch(/^http:\/\/rapport\.test\/r\/p\/[\w-]{43}$/);
    expect(await dashboard()).toContain(link);
    const page = await request(t.app).get(new URL(link).pathname).expect(200);
    expect(page.text).toContain('How likely are you to recommend us');
  });
});
