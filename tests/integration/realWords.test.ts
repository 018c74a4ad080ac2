import {
  createSurvey,
  createTestApp,
  csrfFrom,
  sendNow,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let survey: string;

/** A contact with one confirmed answer; returns the answer's (conversation's) id. */
async function answered(email: string, score: number, o: { locale?: string; name?: string } = {}) {
  const contact =
    (await t.db.one<{ id: string }>(`SELECT id FROM contacts WHERE email = :email`, { email }))?.id ??
    (await t.db.one<{ id: string }>(
      `INSERT INTO contacts (workspace_id, email, name, locale) VALUES (:workspaceId, :email, :name, :locale) RETURNING id`,
      { workspaceId, email, name: o.name ?? '', locale: o.locale ?? null },
    ))!.id;
  return (await t.db.one<{ id: string }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, score, comment, answers, contact_id, submitted_at, completed_at)
     VALUES (:workspaceId, :survey, 1, :score, 'Exports time out', '{}'::jsonb, :contact, clock_timestamp(), clock_timestamp())
     RETURNING id`,
    { workspaceId, survey, score, contact },
  ))!.id;
}

const reply = async (id: string, body: string, status: number) => {
  const page = await agent.get(`/inbox/${id}`).expect(200);
  return agent
    .post(`/inbox/${id}/replies`)
    .type('form')
    .send({ body, _csrf: csrfFrom(page.text) })
    .expect(status);
};
const repliesTo = async (id: string) =>
  (await t.db.query<{ body: string }>(`SELECT body FROM replies WHERE response_id = :id`, { id })).map((r) => r.body);

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  survey = await createSurvey(agent);
});
afterAll(() => t.close());
afterEach(async () => {
  await t.db.execute(`DELETE FROM responses`);
  await t.db.execute(`DELETE FROM contacts`);
  await t.db.execute(`DELETE FROM saved_replies`);
  t.smtp.messages.length = 0;
});

describe('reply starters stay starters', () => {
  it('refuses (422) a starter alone, however it is spaced or cased, and sends it once the teammate adds their words', async () => {
    const id = await answered('ada@example.com', 2);
    for (const body of ['How can I help?', "  i'm SORRY —  ", 'Thank you!!', '—']) {
      const refused = await reply(id, body, 422);
      expect(refused.text).toContain('Make it yours before sending.');
      expect(refused.text).toContain('is a starter, not a reply yet');
    }
    expect(await repliesTo(id)).toEqual([]);
    await reply(id, "I'm sorry — the export broke for big accounts; it is fixed since this morning.", 303);
    expect(await repliesTo(id)).toEqual([
      "I'm sorry — the export broke for big accounts; it is fixed since this morning.",
    ]);
  });
});

describe('saved replies', () => {
  it('are a short list per workspace, offered as drafts on the answer page; sent unchanged they are refused', async () => {
    let page = await agent.get('/saved-replies').expect(200);
    expect(page.text).toContain('No saved replies yet');
    const missing = await agent
      .post('/saved-replies')
      .type('form')
      .send({ title: '', body: 'x', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(missing.text).toContain('Give it a short title.');
    const draft = 'Thanks for telling us. We rebuilt exports last week; could you try again and tell me how it goes?';
    await submitForm(agent, '/saved-replies', '/saved-replies', { title: 'Export fixed', body: draft });
    page = await agent.get('/saved-replies?saved=1').expect(200);
    expect(page.text).toContain('Saved reply added.');
    const savedId = (await t.db.one<{ id: string }>(`SELECT id FROM saved_replies`))!.id;

    const id = await answered('bob@example.com', 3);
    const answerPage = await agent.get(`/inbox/${id}`).expect(200);
    expect(answerPage.text).toContain(`href="/inbox/${id}?saved=${savedId}#reply"`);
    const prefilled = await agent.get(`/inbox/${id}?saved=${savedId}`).expect(200);
    expect(prefilled.text).toContain(draft.replace(/'/g, '&#39;'));

    const refused = await reply(id, `  ${draft.toUpperCase()} `, 422);
    expect(refused.text).toContain('This is the saved reply “Export fixed” word for word');
    expect(await repliesTo(id)).toEqual([]);
    await reply(id, `Bob, ${draft}`, 303);
    expect(await repliesTo(id)).toEqual([`Bob, ${draft}`]);

    await submitForm(agent, '/saved-replies', `/saved-replies/${savedId}/delete`, {});
    expect(await t.db.query(`SELECT id FROM saved_replies`)).toEqual([]);
  });
});

describe('"Last time you told us…"', () => {
  it('the next invitation carries the line the teammate wrote when closing, signed, in the contact’s language', async () => {
    const line = 'Vous nous aviez dit que les exports échouaient : nous les avons refaits en mars.';
    const ada = await answered('ada@example.com', 2, { locale: 'fr', name: 'Ada' });
    const bob = await answered('bob@example.com', 3, { name: 'Bob' });
    const cy = await answered('cy@example.com', 4, { name: 'Cy' });
    await submitForm(agent, `/inbox/${ada}`, `/inbox/${ada}/close`, { closingLine: `  ${line}  ` });
    await submitForm(agent, `/inbox/${bob}`, `/inbox/${bob}/close`, { closingLine: '' });
    await submitForm(agent, `/inbox/${cy}`, `/inbox/${cy}/close`, { closingLine: 'We fixed it.' });
    // Cy answered again since: that newer conversation is the latest, and it has no line.
    await answered('cy@example.com', 9);

    const closed = await agent.get(`/inbox/${ada}`).expect(200);
    expect(closed.text).toContain(`Their next invitation says, from Valeria Ortiz: “${line}”`);
    const bobPage = await agent.get(`/inbox/${bob}`).expect(200);
    expect(bobPage.text).not.toContain('data-testid="closing-line"');

    await sendNow(agent, survey);
    await t.worker.drainOnce();
    const to = (email: string) =>
      t.smtp.messages.find((m) => m.to && !Array.isArray(m.to) && m.to.text.includes(email))!;
    // The survey has no French translation, so Ada's whole email is in its default language (one language per
    // email); the line itself is the teammate's own words. The wording in each language: tests/unit/invitation.test.ts.
    expect(to('ada@example.com').text).toContain(
      `Last time, you told us what you thought. Valeria Ortiz writes: “${line}”`,
    );
    expect(to('bob@example.com').text).not.toContain('Last time');
    expect(to('cy@example.com').text).not.toContain('Last time');
    expect(to('cy@example.com').text).not.toContain('We fixed it.');
  });

  it('refuses a line longer than one line in an email (200 characters), closing nothing', async () => {
    const id = await answered('dee@example.com', 1);
    const page = await agent.get(`/inbox/${id}`).expect(200);
    const refused = await agent
      .post(`/inbox/${id}/close`)
      .type('form')
      .send({ closingLine: 'x'.repeat(201), _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(refused.text).toContain('Keep the line under 200 characters');
    expect(
      (await t.db.one<{ status: string }>(`SELECT status FROM conversations WHERE response_id = :id`, { id }))!.status,
    ).toBe('open');
  });
});
