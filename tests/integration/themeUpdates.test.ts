import { createSurvey, createTestApp, csrfFrom, sendNow, signedInAgent, type TestApp } from '../helpers/testApp';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let survey: string;
let sam: string;

const contact = async (name: string, email: string, owner: string | null = null) =>
  (await t.db.one<{ id: string }>(
    `INSERT INTO contacts (workspace_id, email, name, owner_user_id) VALUES (:workspaceId, :email, :name, :owner) RETURNING id`,
    { workspaceId, email, name, owner },
  ))!.id;

const comment = (contactId: string, text: string) =>
  t.db.execute(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, answers, contact_id, completed_at)
     VALUES (:workspaceId, :survey, 1, 4, :answers::jsonb, :contactId, now())`,
    { workspaceId, survey, contactId, answers: JSON.stringify({ nps: 4, reason: text }) },
  );

const queued = () =>
  t.db.query<{ email: string }>(
    `SELECT c.email FROM theme_update_messages m JOIN contacts c ON c.id = m.contact_id ORDER BY c.email`,
  );

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  sam = (await t.db.one<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash, role) VALUES (:workspaceId, 'Sam Support', 'sam@acme.test', 'x', 'member') RETURNING id`,
    { workspaceId },
  ))!.id;
  survey = await createSurvey(agent);
});
afterAll(() => t.close());

it('from a theme, one update goes (once, after a confirmation) to every subscribed contact whose comment mentioned it, signed by their owner', async () => {
  const ada = await contact('Ada', 'ada@example.com', sam);
  const bob = await contact('Bob', 'bob@example.com');
  const cy = await contact('Cy', 'cy@example.com');
  const dee = await contact('Dee', 'dee@example.com');
  // Their invitations, so each update can carry the contact's own unsubscribe link.
  await sendNow(agent, survey);
  await t.worker.drainOnce();
  t.smtp.messages.length = 0;
  await comment(ada, 'Exports time out every Monday');
  await comment(bob, 'The export is so slow');
  await comment(cy, 'exports broken');
  await comment(dee, 'Love the dashboards');
  await t.db.execute(`UPDATE contacts SET status = 'unsubscribed' WHERE id = :cy`, { cy });

  const feed = await agent.get(`/surveys/${survey}/comments/reason?q=export`).expect(200);
  const link = /href="(\/updates\/new\?[^"]+)" data-testid="you-said-we-did"/
    .exec(feed.text)![1]!
    .replace(/&amp;/g, '&');
  const form = await agent.get(link).expect(200);
  expect(form.text).toMatch(/<strong>2 contacts<\/strong> will receive it/);
  expect(form.text).toContain('1 signed by their owner, the others by you');

  const body = 'You told us exports timed out. We rebuilt them: a 50,000-row export now takes seconds.';
  const drafted = await agent
    .post('/updates')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), survey, question: 'reason', theme: 'export', body })
    .expect(303);
  const page = drafted.headers.location!;
  expect(page).toMatch(/^\/updates\/[0-9a-f-]{36}$/);
  expect(await queued()).toEqual([]); // a draft until confirmed

  const confirm = await agent.get(page).expect(200);
  expect(confirm.text).toContain('Send this update to 2 contacts?');
  expect(confirm.text).toContain('1 of them get it signed by their own owner; 1 signed by Valeria Ortiz.');
  // A POST without the confirmation page's confirm=yes does nothing.
  await agent
    .post(page)
    .type('form')
    .send({ _csrf: csrfFrom(confirm.text) })
    .expect(303);
  expect(await queued()).toEqual([]);
  await agent
    .post(page)
    .type('form')
    .send({ _csrf: csrfFrom(confirm.text), confirm: 'yes' })
    .expect(303);
  await agent
    .post(page)
    .type('form')
    .send({ _csrf: csrfFrom(confirm.text), confirm: 'yes' })
    .expect(303);
  expect(await queued()).toEqual([{ email: 'ada@example.com' }, { email: 'bob@example.com' }]);
  expect((await agent.get(page).expect(200)).text).toContain(
    'This update has already gone out; it is never sent twice.',
  );

  await t.worker.drainOnce();
  const to = (email: string) => t.smtp.messages.find((m) => m.to && !Array.isArray(m.to) && m.to.text.includes(email));
  expect(t.smtp.messages).toHaveLength(2);
  const toAda = to('ada@example.com')!;
  expect(toAda.from!.value[0]!.name).toBe('Sam Support');
  expect(toAda.subject).toBe('You told us — here is what we did');
  expect(toAda.text).toContain(`Hi Ada,\n\n${body}\n\n— Sam Support, Acme`);
  expect(toAda.replyTo!.value[0]!.address).toBe('sam@acme.test');
  expect(toAda.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\s+/g, ' ')).toMatch(
    /<http:\/\/rapport\.test\/r\/[\w-]{43}\/unsubscribe>/,
  );
  expect(toAda.messageId).toMatch(/^<update-[0-9a-f-]{36}@rapport\.test>$/);
  expect(to('bob@example.com')!.text).toContain('— Valeria Ortiz, Acme');
  expect(to('cy@example.com')).toBeUndefined();
  expect(to('dee@example.com')).toBeUndefined();
});

it('refuses (422) an update nobody would receive, and one without words', async () => {
  const form = await agent.get(`/updates/new?survey=${survey}&question=reason&theme=invoices`).expect(200);
  expect(form.text).toMatch(/<strong>0 contacts<\/strong> will receive it/);
  const nobody = await agent
    .post('/updates')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), survey, question: 'reason', theme: 'invoices', body: 'We fixed invoices.' })
    .expect(422);
  expect(nobody.text).toContain('Nobody still subscribed wrote about “invoices”');
  const empty = await agent
    .post('/updates')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), survey, question: 'reason', theme: 'export', body: '  ' })
    .expect(422);
  expect(empty.text).toContain('Write what you did about it.');
  expect(await t.db.query(`SELECT id FROM theme_updates WHERE status = 'draft' AND theme = 'invoices'`)).toEqual([]);
});
