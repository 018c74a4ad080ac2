import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let me: string;
let sam: string;
let survey: string;
const ids: Record<string, string> = {};

const PERIOD = 'from=2026-03-01&to=2026-03-31';

async function contact(name: string, owner: string) {
  return (await t.db.one<{ id: string }>(
    `INSERT INTO contacts (workspace_id, email, name, owner_user_id) VALUES (:workspaceId, :email, :name, :owner) RETURNING id`,
    { workspaceId, email: `${name.toLowerCase()}@example.com`, name, owner },
  ))!.id;
}
async function answer(key: string, contactId: string, score: number, at: string) {
  ids[key] = (await t.db.one<{ id: string }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, contact_id, submitted_at, completed_at)
     VALUES (:workspaceId, :survey, 1, :score, :answers::jsonb, :contactId, :at, :at) RETURNING id`,
    { workspaceId, survey, score, answers: JSON.stringify({ nps: score }), contactId, at },
  ))!.id;
}
const reply = (key: string, at: string) =>
  t.db.execute(
    `INSERT INTO replies (workspace_id, response_id, contact_id, author_user_id, author_name, author_email, body, created_at)
     SELECT workspace_id, id, contact_id, :me, 'Valeria Ortiz', 'valeria@acme.test', 'Sorry — fixing it.', :at
     FROM responses WHERE id = :id`,
    { id: ids[key], me, at },
  );

/** The figures of the measures page (workspace tiles), by name. */
const tiles = (html: string) =>
  Object.fromEntries(
    [...html.matchAll(/data-measure="([^"]+)"><strong>([^<]+)<\/strong>/g)].map((m) => [
      m[1],
      m[2]!.replace(/&#39;/g, "'"),
    ]),
  );
const rowOf = (html: string, email: string) =>
  [
    ...new RegExp(`data-testid="measures-${email}">([\\s\\S]*?)</tr>`)
      .exec(html)![1]!
      .matchAll(/<a [^>]*>([^<]+)<\/a>/g),
  ].map((m) => m[1]);
const inboxNames = async (query: string) => {
  const page = await agent.get(`/inbox?status=all&owner=everyone&${query}`).expect(200);
  return [...page.text.matchAll(/data-testid="inbox-row"[\s\S]*?<td>([A-Z][a-z]+)/g)].map((m) => m[1]).sort();
};

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  const ws = (await t.db.one<{ id: string; userId: string }>(
    `SELECT w.id, u.id AS "userId" FROM workspaces w JOIN users u ON u.workspace_id = w.id`,
  ))!;
  workspaceId = ws.id;
  me = ws.userId;
  sam = (await t.db.one<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:workspaceId, 'Sam Support', 'sam@acme.test', 'x', 'member') RETURNING id`,
    { workspaceId },
  ))!.id;
  survey = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we doing?' });

  // March 2026, target 24 h. Sam owns Ana's and Ben's answers, Valeria (me) Cat's and Dan's.
  const ana = await contact('Ana', sam);
  const ben = await contact('Ben', sam);
  const cat = await contact('Cat', me);
  const dan = await contact('Dan', me);
  const eve = await contact('Eve', me);
  await answer('ana', ana, 2, '2026-03-02T09:00:00Z');
  await reply('ana', '2026-03-02T11:00:00Z'); // 2 h
  await answer('ana2', ana, 9, '2026-03-10T09:00:00Z'); // a promoter since: rescued, and wrote back
  await answer('ben', ben, 3, '2026-03-03T09:00:00Z');
  await reply('ben', '2026-03-04T15:00:00Z'); // 30 h: late
  await answer('ben2', ben, 5, '2026-03-12T09:00:00Z'); // still a detractor: not rescued; itself unhappy, unanswered
  await answer('cat', cat, 1, '2026-03-05T09:00:00Z'); // never answered: late
  await answer('dan', dan, 0, '2026-03-06T09:00:00Z');
  await reply('dan', '2026-03-06T13:00:00Z'); // 4 h
  await answer('eve', eve, 10, '2026-03-07T09:00:00Z'); // happy: not counted
  await answer('old', dan, 0, '2026-02-20T09:00:00Z'); // before the period
});
afterAll(() => t.close());

it('the workspace figures for the period, computed by hand', async () => {
  const page = await agent.get(`/measures?${PERIOD}`).expect(200);
  expect(page.text).toContain('5 unhappy answers'); // Ana, Ben, Ben again, Cat, Dan
  expect(tiles(page.text)).toEqual({
    'Personal reply': '60 %', // 3 of 5
    'Median first reply': '4 h', // 2 h, 4 h, 30 h
    '90th percentile': '24 h 48 min', // 4 h + 0.8 × (30 h − 4 h)
    'Wrote back': '67 %', // Ana and Ben answered again after our reply; Dan did not: 2 of 3
    Overdue: '60 %', // Ben (30 h), Cat and Ben's second (never answered): 3 of 5
    Rescued: '50 %', // of Ana and Ben, who answered again, Ana came back a promoter: 1 of 2
  });
});

it('per teammate, as owner', async () => {
  const page = await agent.get(`/measures?${PERIOD}`).expect(200);
  // Unhappy, personal reply, median, p90, wrote back, overdue, rescued.
  expect(rowOf(page.text, 'sam@acme.test')).toEqual(['3', '67 %', '16 h', '27 h 12 min', '100 %', '67 %', '50 %']);
  expect(rowOf(page.text, 'valeria@acme.test')).toEqual(['2', '50 %', '4 h', '4 h', '0 %', '50 %', '–']);
});

it('each figure opens the conversations behind it in the inbox', async () => {
  const page = await agent.get(`/measures?${PERIOD}`).expect(200);
  expect(page.text).toContain(
    `href="/inbox?status=all&amp;owner=everyone&amp;loop=rescued&amp;${PERIOD.replace('&', '&amp;')}"`,
  );
  expect(await inboxNames(`loop=unhappy&${PERIOD}`)).toEqual(['Ana', 'Ben', 'Ben', 'Cat', 'Dan']);
  expect(await inboxNames(`loop=replied&${PERIOD}`)).toEqual(['Ana', 'Ben', 'Dan']);
  expect(await inboxNames(`loop=late&${PERIOD}`)).toEqual(['Ben', 'Ben', 'Cat']);
  expect(await inboxNames(`loop=wroteBack&${PERIOD}`)).toEqual(['Ana', 'Ben']);
  expect(await inboxNames(`loop=rescued&${PERIOD}`)).toEqual(['Ana']);
  expect(await inboxNames(`loop=unhappy&${PERIOD}&ownerId=${me}`)).toEqual(['Cat', 'Dan']);
});

it('an empty period says so with dashes, not zeros divided', async () => {
  const page = await agent.get('/measures?from=2025-01-01&to=2025-01-31').expect(200);
  expect(tiles(page.text)).toMatchObject({ 'Personal reply': '–', 'Median first reply': '–', Rescued: '–' });
});

it("a customer's emailed answer to our reply counts as writing back; an auto-reply does not", async () => {
  const dan = (await t.db.one<{ id: string }>(
    `SELECT r.id FROM responses r WHERE r.workspace_id = :workspaceId AND r.submitted_at = '2026-03-06T09:00:00Z'`,
    { workspaceId },
  ))!.id;
  const inbound = (kind: string, messageId: string) =>
    t.db.execute(
      `INSERT INTO inbound_messages (workspace_id, response_id, message_id, kind, matched_by, source, from_address, received_at)
       VALUES (:workspaceId, :dan, :messageId, :kind, 'token', 'smtp', 'dan@example.com', '2026-03-06T15:00:00Z')`,
      { workspaceId, dan, messageId, kind },
    );
  await inbound('auto_reply', '<ooo-1@example.com>');
  expect(tiles((await agent.get(`/measures?${PERIOD}`).expect(200)).text)['Wrote back']).toBe('67 %');
  await inbound('reply', '<dan-1@example.com>');
  // Ana and Ben answered again; Dan wrote back by email: 3 of 3.
  expect(tiles((await agent.get(`/measures?${PERIOD}`).expect(200)).text)['Wrote back']).toBe('100 %');
  expect(await inboxNames(`loop=wroteBack&${PERIOD}`)).toEqual(['Ana', 'Ben', 'Dan']);
});
