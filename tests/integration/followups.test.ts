import request from 'supertest';
import {
  createTestApp,
  refusingRelay,
  csrfFrom,
  OWNER,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let me: string;
let sam: string;
let surveyId: string;
let otherSurveyId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  const ws = await t.db.one<{ id: string; userId: string }>(
    `SELECT w.id, u.id AS "userId" FROM workspaces w JOIN users u ON u.workspace_id = w.id`,
  );
  workspaceId = ws!.id;
  me = ws!.userId;
  sam = (await t.db.one<{ id: string }>(
    `INSERT INTO users (workspace_id, name, email, password_hash) VALUES (:workspaceId, 'Sam Support', 'sam@acme.test', 'x') RETURNING id`,
    { workspaceId },
  ))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'How are we doing?' });
  otherSurveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, title: 'Onboarding' });
});
afterAll(() => t.close());
afterEach(async () => {
  await t.db.execute(`DELETE FROM contacts`);
  await t.db.execute(`DELETE FROM responses`);
  t.smtp.messages.length = 0;
});

/** An invited contact who answered `score` with `comment`, `minutesAgo` minutes ago. */
async function answered(o: {
  score: number;
  comment?: string;
  minutesAgo?: number;
  survey?: string;
  owner?: string;
  name?: string;
  email?: string;
}) {
  const survey = o.survey ?? surveyId;
  const d = await seedDelivery(t.db, t.sealer, workspaceId, survey, { email: o.email });
  await t.db.execute(`UPDATE contacts SET name = :name, owner_user_id = :owner WHERE id = :id`, {
    id: d.contactId,
    name: o.name ?? 'Pat Customer',
    owner: o.owner ?? null,
  });
  const r = await t.db.one<{ id: string }>(
    `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score, comment, answers, submitted_at)
     VALUES (:workspaceId, :survey, 1, :deliveryId, :contactId, :score, :comment, :answers, now() - make_interval(mins => :minutesAgo)) RETURNING id`,
    {
      workspaceId,
      survey,
      deliveryId: d.deliveryId,
      contactId: d.contactId,
      score: o.score,
      comment: o.comment ?? null,
      answers: JSON.stringify({ nps: o.score, ...(o.comment ? { reason: o.comment } : {}) }),
      minutesAgo: o.minutesAgo ?? 0,
    },
  );
  return { responseId: r!.id, ...d };
}

const inboxIds = async (qs = '') =>
  [...(await agent.get(`/inbox${qs}`).expect(200)).text.matchAll(/href="\/inbox\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
const post = (responseId: string, action: string, fields: Record<string, string>, status = 303) =>
  submitForm(agent, `/inbox/${responseId}`, `/inbox/${responseId}/${action}`, fields, status);

describe('the inbox', () => {
  it('lists open answers newest first, and filters by status, owner, band and survey', async () => {
    const old = await answered({ score: 2, comment: 'Too slow', minutesAgo: 30 });
    const mine = await answered({ score: 8, comment: 'Fine', minutesAgo: 20, owner: me });
    const promoter = await answered({
      score: 10,
      comment: 'Love it',
      minutesAgo: 10,
      survey: otherSurveyId,
      owner: sam,
    });
    const closed = await answered({ score: 3, comment: 'Broken', minutesAgo: 5 });
    await post(closed.responseId, 'close', {});

    expect(await inboxIds()).toEqual([promoter.responseId, mine.responseId, old.responseId]);
    expect(await inboxIds('?status=closed')).toEqual([closed.responseId]);
    expect(await inboxIds('?status=all')).toEqual([
      closed.responseId,
      promoter.responseId,
      mine.responseId,
      old.responseId,
    ]);
    expect(await inboxIds('?owner=mine')).toEqual([mine.responseId]);
    expect(await inboxIds('?owner=unassigned')).toEqual([old.responseId]);
    expect(await inboxIds('?band=detractor&status=all')).toEqual([closed.responseId, old.responseId]);
    expect(await inboxIds('?band=passive')).toEqual([mine.responseId]);
    expect(await inboxIds(`?survey=${otherSurveyId}`)).toEqual([promoter.responseId]);
    // Unknown filter values fall back to the defaults instead of failing.
    expect(await inboxIds('?status=nonsense&band=x&survey=1')).toEqual([
      promoter.responseId,
      mine.responseId,
      old.responseId,
    ]);
  });

  it('pages with a keyset cursor: every answer once, none twice, in order', async () => {
    const made = [];
    for (let i = 0; i < 28; i++) {
      made.push((await answered({ score: i % 11, comment: `Answer ${i}`, minutesAgo: i })).responseId);
    }
    const first = await agent.get('/inbox').expect(200);
    const page1 = [...first.text.matchAll(/href="\/inbox\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
    const next = /href="(\/inbox\?[^"]*after=[^"]+)"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    const second = await agent.get(next).expect(200);
    const page2 = [...second.text.matchAll(/href="\/inbox\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
    expect(page1).toHaveLength(25);
    expect([...page1, ...page2]).toEqual(made);
    expect(second.text).not.toMatch(/Next page/);
  });

  it('shows a row with its score band, escaped comment, contact, survey and owner', async () => {
    await answered({ score: 1, comment: '<script>alert("x")</script> & more', owner: sam, name: 'Ada <b>L</b>' });
    const html = (await agent.get('/inbox').expect(200)).text;
    expect(html).toContain('score-detractor');
    expect(html).toContain('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('Ada &lt;b&gt;L&lt;/b&gt;');
    expect(html).toContain('Sam Support');
  });
});

describe('one answer as a conversation', () => {
  it('shows the answers with the question texts of their version, the contact and their earlier answers', async () => {
    const first = await answered({ score: 9, comment: 'Good start', minutesAgo: 600, email: 'pat2@example.com' });
    const d = await seedDelivery(t.db, t.sealer, workspaceId, surveyId, { email: 'pat3@example.com' });
    // The same contact answers again later.
    await t.db.execute(`UPDATE deliveries SET contact_id = :contact WHERE id = :id`, {
      contact: first.contactId,
      id: d.deliveryId,
    });
    const later = await t.db.one<{ id: string }>(
      `INSERT INTO responses (workspace_id, survey_id, survey_version, delivery_id, contact_id, score, comment, answers)
       VALUES (:workspaceId, :surveyId, 1, :deliveryId, :contactId, 4, 'Went downhill', '{"nps": 4, "reason": "Went downhill"}') RETURNING id`,
      { workspaceId, surveyId, deliveryId: d.deliveryId, contactId: first.contactId },
    );
    const html = (await agent.get(`/inbox/${later!.id}`).expect(200)).text;
    expect(html).toContain('How likely are you to recommend us?');
    expect(html).toContain('What is the main reason for your score?');
    expect(html).toContain('Went downhill');
    expect(html).toContain(`href="/contacts/${first.contactId}"`);
    expect(html).toMatch(/Earlier answers from this contact[\s\S]*Good start/);
  });

  it("defaults the owner to the contact's owner, and can be assigned to a teammate or nobody", async () => {
    const a = await answered({ score: 2, owner: sam });
    const owner = async () =>
      (await t.db.one<{ o: string | null }>(`SELECT owner_user_id AS o FROM conversations WHERE response_id = :id`, {
        id: a.responseId,
      }))!.o;
    expect(await owner()).toBe(sam);
    await post(a.responseId, 'assign', { ownerUserId: me });
    expect(await owner()).toBe(me);
    await post(a.responseId, 'assign', { ownerUserId: '' });
    expect(await owner()).toBeNull();
  });

  it('refuses an owner from outside the workspace, with the message on the form', async () => {
    const a = await answered({ score: 2 });
    const res = await post(a.responseId, 'assign', { ownerUserId: '00000000-0000-4000-8000-000000000000' }, 422);
    expect(res.text).toContain('Choose a teammate from this workspace.');
  });

  it('counts open answers assigned to me in the nav', async () => {
    const a = await answered({ score: 2, owner: me });
    await answered({ score: 3, owner: me });
    await answered({ score: 3, owner: sam });
    const count = async () =>
      /data-testid="inbox-count"[^>]*>(\d+)</.exec((await agent.get('/surveys').expect(200)).text)?.[1];
    expect(await count()).toBe('2');
    await post(a.responseId, 'close', {});
    expect(await count()).toBe('1');
  });

  it('closes and reopens', async () => {
    const a = await answered({ score: 2 });
    await post(a.responseId, 'close', {});
    let html = (await agent.get(`/inbox/${a.responseId}`).expect(200)).text;
    expect(html).toMatch(/data-testid="conversation-status">closed</);
    expect(html).toContain(`Closed by ${OWNER.name}`);
    await post(a.responseId, 'reopen', {});
    html = (await agent.get(`/inbox/${a.responseId}`).expect(200)).text;
    expect(html).toMatch(/data-testid="conversation-status">open</);
  });

  it('keeps internal notes on the page and never emails them', async () => {
    const a = await answered({ score: 2 });
    await post(a.responseId, 'notes', { note: 'Called them; <i>fixed</i>' });
    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(0);
    const html = (await agent.get(`/inbox/${a.responseId}`).expect(200)).text;
    expect(html).toContain('Called them; &lt;i&gt;fixed&lt;/i&gt;');
    const tooLong = await post(a.responseId, 'notes', { note: 'x'.repeat(2001) }, 422);
    expect(tooLong.text).toContain('Keep the note under 2,000 characters.');
  });
});

describe('a personal reply', () => {
  it('is queued, not sent in the request; the worker sends it from the teammate, threaded, and it shows in the thread and on the contact', async () => {
    const a = await answered({ score: 3, comment: 'Support never <answered>', email: 'ada@example.com', name: 'Ada' });
    const page = (await agent.get(`/inbox/${a.responseId}?starter=sorry`).expect(200)).text;
    expect(page).toContain('I&#39;m sorry — </textarea>');
    await post(a.responseId, 'replies', { body: "I'm sorry — that's on us. <b>I'll</b> call you today." });
    expect(t.smtp.messages).toHaveLength(0);
    const queued = await t.db.one<{ status: string }>(`SELECT status FROM replies WHERE response_id = :id`, {
      id: a.responseId,
    });
    expect(queued!.status).toBe('queued');

    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(1);
    const mail = t.smtp.messages[0]!;
    expect(mail.from!.value[0]).toEqual({ name: OWNER.name, address: 'pulse@rapport.test' });
    expect(mail.replyTo!.value[0]!.address).toBe(OWNER.email);
    expect(mail.to && !Array.isArray(mail.to) && mail.to.value[0]!.address).toBe('ada@example.com');
    expect(mail.subject).toBe('Re: How are we doing?');
    expect(mail.inReplyTo).toBe(`<delivery-${a.deliveryId}@rapport.test>`);
    expect(mail.references).toBe(`<delivery-${a.deliveryId}@rapport.test>`);
    expect(mail.text).toContain("I'm sorry — that's on us. <b>I'll</b> call you today.");
    expect(mail.text).toContain('> Support never <answered>');
    expect(mail.text).toContain('1 Main St, Springfield');
    expect(mail.html).toContain('&lt;b&gt;I&#39;ll&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>I');
    expect(mail.headers.get('list-unsubscribe')).toBeUndefined();

    const thread = (await agent.get(`/inbox/${a.responseId}`).expect(200)).text;
    expect(thread).toMatch(/Valeria Ortiz<\/strong> replied — <span class="tag">sent<\/span>/);
    expect(thread).toContain('&lt;b&gt;I&#39;ll&lt;/b&gt; call you today.');
    const contact = (await agent.get(`/contacts/${a.contactId}`).expect(200)).text;
    expect(contact).toMatch(/Replied by Valeria Ortiz: “I&#39;m sorry — that&#39;s on us\./);
    // Replying to an unowned answer makes the replier its owner.
    const owner = await t.db.one<{ o: string }>(
      `SELECT owner_user_id AS o FROM conversations WHERE response_id = :id`,
      { id: a.responseId },
    );
    expect(owner!.o).toBe(me);
  });

  it('"Send and close" queues the reply and closes the conversation', async () => {
    const a = await answered({ score: 3 });
    await post(a.responseId, 'replies', { body: 'Thank you for telling us — it is fixed now.', close: '1' });
    const row = await t.db.one<{ status: string; n: number }>(
      `SELECT cv.status, (SELECT count(*) FROM replies WHERE response_id = cv.response_id) AS n FROM conversations cv WHERE response_id = :id`,
      { id: a.responseId },
    );
    expect(row).toEqual({ status: 'closed', n: 1 });
  });

  it('is refused, whole, with a message, when empty or too long', async () => {
    const a = await answered({ score: 3 });
    expect((await post(a.responseId, 'replies', { body: '   ' }, 422)).text).toContain('Write your reply.');
    const long = await post(a.responseId, 'replies', { body: 'y'.repeat(5001) }, 422);
    expect(long.text).toContain('Keep the reply under 5,000 characters.');
    expect(long.text).toContain('y'.repeat(5001)); // the text is kept on the form
    expect((await t.db.query(`SELECT id FROM replies`)).length).toBe(0);
  });

  it('is refused to an unsubscribed contact (422), and the page says why', async () => {
    const a = await answered({ score: 1 });
    const page = await agent.get(`/inbox/${a.responseId}`).expect(200);
    await t.db.execute(`UPDATE contacts SET status = 'unsubscribed' WHERE id = :id`, { id: a.contactId });
    const res = await agent
      .post(`/inbox/${a.responseId}/replies`)
      .type('form')
      .send({ body: 'Sorry!', _csrf: csrfFrom(page.text) })
      .expect(422);
    expect(res.text).toContain('This contact is unsubscribed: we do not email them');
    expect((await agent.get(`/inbox/${a.responseId}`).expect(200)).text).toContain('data-testid="reply-blocked"');
    expect((await t.db.query(`SELECT id FROM replies`)).length).toBe(0);
  });

  it('queued before an unsubscribe, ends "suppressed" instead of being sent', async () => {
    const a = await answered({ score: 1 });
    await post(a.responseId, 'replies', { body: 'Sorry!' });
    await t.db.execute(`UPDATE contacts SET status = 'unsubscribed' WHERE id = :id`, { id: a.contactId });
    await t.worker.drainOnce();
    expect(t.smtp.messages).toHaveLength(0);
    expect((await t.db.one<{ status: string }>(`SELECT status FROM replies`))!.status).toBe('suppressed');
  });

  it('follows the outbox rules: 451 is retried later, 550 bounces it and the contact', async () => {
    const a = await answered({ score: 1 });
    await post(a.responseId, 'replies', { body: 'Sorry!' });
    const relay = await refusingRelay(t, 451);
    const reply = async () =>
      (await t.db.one<{ status: string; attempts: number }>(`SELECT status, attempts FROM replies`))!;
    try {
      await relay.worker.drainOnce();
      expect(await reply()).toEqual({ status: 'queued', attempts: 1 });
      relay.answerWith(550);
      await t.db.execute(`UPDATE replies SET next_attempt_at = now()`);
      await relay.worker.drainOnce();
      expect(await reply()).toEqual({ status: 'bounced', attempts: 2 });
      expect(
        (await t.db.one<{ status: string }>(`SELECT status FROM contacts WHERE id = :id`, { id: a.contactId }))!.status,
      ).toBe('bounced');
    } finally {
      await relay.close();
    }
  });
});

describe("the contact's privacy rights", () => {
  it('export includes replies and notes; erase deletes them', async () => {
    const a = await answered({ score: 2, comment: 'Meh' });
    await post(a.responseId, 'replies', { body: 'How can I help with the export?' });
    await post(a.responseId, 'notes', { note: 'VIP, be quick' });
    const exported = await agent.get(`/contacts/${a.contactId}/export.json`).expect(200);
    const data = JSON.parse(exported.text);
    expect(data.replies.map((r: { body: string }) => r.body)).toEqual(['How can I help with the export?']);
    expect(data.notes.map((n: { body: string }) => n.body)).toEqual(['VIP, be quick']);
    await submitForm(agent, `/contacts/${a.contactId}`, `/contacts/${a.contactId}/erase`, { confirm: 'on' });
    expect(await t.db.query(`SELECT id FROM replies`)).toHaveLength(0);
    expect(await t.db.query(`SELECT id FROM followup_notes`)).toHaveLength(0);
  });
});

describe('the dashboard', () => {
  it('shows how many unhappy answers got a reply, how many are closed, and the median time to first reply', async () => {
    const a = await answered({ score: 1, minutesAgo: 120 });
    const b = await answered({ score: 5, minutesAgo: 60 });
    await answered({ score: 6 });
    await answered({ score: 10 }); // a promoter does not count
    await post(a.responseId, 'replies', { body: 'Sorry!' });
    await post(b.responseId, 'replies', { body: 'Sorry!', close: '1' });
    await t.worker.drainOnce();
    // Pin the send times: a replied two hours after answering, b one hour after.
    await t.db.execute(
      `UPDATE replies rp SET sent_at = r.submitted_at + interval '2 hours' FROM responses r WHERE r.id = rp.response_id AND r.id = :id`,
      { id: a.responseId },
    );
    await t.db.execute(
      `UPDATE replies rp SET sent_at = r.submitted_at + interval '4 hours' FROM responses r WHERE r.id = rp.response_id AND r.id = :id`,
      { id: b.responseId },
    );
    const html = (await agent.get(`/surveys/${surveyId}`).expect(200)).text;
    const stat = (id: string) => new RegExp(`data-testid="${id}">([^<]+)<`).exec(html)![1];
    expect(stat('loop-unhappy')).toBe('3');
    expect(stat('loop-replied')).toBe('2');
    expect(stat('loop-closed')).toBe('1');
    expect(stat('loop-median')).toBe('3 h');
  });
});

describe('another workspace', () => {
  it("cannot see, open or act on this workspace's answers (404)", async () => {
    const a = await answered({ score: 2, comment: 'Private' });
    const other = request.agent(t.app);
    const theirWs = await t.db.one<{ id: string }>(
      `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Other', 'O', 'x') RETURNING id`,
    );
    const argonHash = (await t.db.one<{ h: string }>(`SELECT password_hash AS h FROM users WHERE id = :me`, { me }))!.h;
    await t.db.execute(
      `INSERT INTO users (workspace_id, name, email, password_hash) VALUES (:ws, 'Eve', 'eve@other.test', :h)`,
      { ws: theirWs!.id, h: argonHash },
    );
    const login = await other.get('/login').expect(200);
    await other
      .post('/login')
      .type('form')
      .send({ email: 'eve@other.test', password: OWNER.password, _csrf: csrfFrom(login.text) })
      .expect(303);

    const inbox = await other.get('/inbox').expect(200);
    expect(inbox.text).not.toContain(a.responseId);
    await other.get(`/inbox/${a.responseId}`).expect(404);
    for (const action of ['replies', 'notes', 'assign', 'close']) {
      await other
        .post(`/inbox/${a.responseId}/${action}`)
        .type('form')
        .send({ body: 'hi', note: 'hi', ownerUserId: '', _csrf: csrfFrom(inbox.text) })
        .expect(404);
    }
    expect(await t.db.query(`SELECT id FROM replies`)).toHaveLength(0);
    expect(
      (await t.db.one<{ status: string }>(`SELECT status FROM conversations WHERE response_id = :id`, {
        id: a.responseId,
      }))!.status,
    ).toBe('open');
    await other.get('/inbox/not-an-id').expect(404);
  });
});
