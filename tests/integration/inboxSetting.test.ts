import request from 'supertest';
import { createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let surveyId: string;
let me: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  const ws = await t.db.one<{ id: string; userId: string }>(
    `SELECT w.id, u.id AS "userId" FROM workspaces w JOIN users u ON u.workspace_id = w.id`,
  );
  workspaceId = ws!.id;
  me = ws!.userId;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY });
});
afterAll(() => t.close());

/** A contact answers through their link, as a respondent does (the trigger opens the conversation). */
async function answer(score: number, reason?: string) {
  const { token, contactId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
  await t.db.execute(`UPDATE contacts SET owner_user_id = :me WHERE id = :contactId`, { me, contactId });
  await request(t.app)
    .post(`/r/${token}`)
    .type('form')
    .send({ nps: String(score), ...(reason && { reason }) })
    .expect(303);
  const row = await t.db.one<{ id: string }>(`SELECT id FROM responses WHERE contact_id = :contactId`, { contactId });
  return row!.id;
}

const listed = async (qs = '') =>
  [...(await agent.get(`/inbox${qs}`).expect(200)).text.matchAll(/href="\/inbox\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
const badge = async () =>
  /data-testid="inbox-count"[^>]*>(\d+)</.exec((await agent.get('/surveys').expect(200)).text)?.[1] ?? '0';

describe('Settings → Inbox: which answers open a conversation', () => {
  let unhappy: string, passive: string, happyWithComment: string, happy: string;

  beforeAll(async () => {
    unhappy = await answer(3);
    passive = await answer(7);
    happyWithComment = await answer(10, 'Lovely people');
    happy = await answer(9);
  });

  it('by default the Inbox lists unhappy scores and any comment, and the nav badge counts the same', async () => {
    expect(await listed()).toEqual([happyWithComment, unhappy]);
    expect(await badge()).toBe('2');
    const page = await agent.get('/inbox').expect(200);
    expect(page.text).toContain('Listing unhappy scores and answers with a comment (Settings → Inbox).');
  });

  it('every answer still has its conversation and its page; the Inbox can list them all on demand', async () => {
    const conversations = await t.db.query<{ id: string }>(`SELECT response_id AS id FROM conversations`);
    expect(conversations.map((c) => c.id).sort()).toEqual([unhappy, passive, happyWithComment, happy].sort());
    await agent.get(`/inbox/${happy}`).expect(200);
    expect(await listed('?answers=every')).toEqual([happy, happyWithComment, passive, unhappy]);
  });

  it('set to "every answer", the Inbox lists every answer, earlier ones included', async () => {
    const page = await agent.get('/settings/inbox').expect(200);
    expect(page.text).toMatch(/value="worth" checked/);
    await submitForm(agent, '/settings/inbox', '/settings/inbox', { opens: 'every' });
    expect((await agent.get('/settings/inbox').expect(200)).text).toMatch(/value="every" checked/);
    expect(await listed()).toEqual([happy, happyWithComment, passive, unhappy]);
    expect(await badge()).toBe('4');
    expect(await listed('?answers=worth')).toEqual([happyWithComment, unhappy]);
  });

  it('a value that is not one of the choices is refused on the form, and nothing changes', async () => {
    const page = await agent.get('/settings/inbox').expect(200);
    const refused = await agent
      .post('/settings/inbox')
      .type('form')
      .send({ opens: 'some', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(refused.text).toContain('Choose which answers the Inbox lists.');
    const [row] = await t.db.query<{ opens: string }>(`SELECT opens FROM inbox_settings`);
    expect(row!.opens).toBe('every');
  });
});
