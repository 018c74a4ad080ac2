import request from 'supertest';
import { createTestApp, csrfFrom, signedInAgent, submitForm, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

/**
 * Control characters (NUL above all: PostgreSQL cannot store it) are cleaned at the edge, in one place, for
 * every text field: forms, JSON, query strings and the respondent's POST (which is read before the others).
 * Tab and newline stay where text uses them.
 */
let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let surveyId: string;
beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>(`SELECT id FROM workspaces`))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY });
});
afterAll(() => t.close());

const NASTY = '\u0000\u0001\u0007\u000b\u000c\u001b\u007f\u0085\u009f';
const one = <T>(sql: string, params: Record<string, unknown> = {}) => t.db.one<T>(sql, params);

describe('control characters are cleaned at the edge of every text field', () => {
  it('in a contact added by the form (name) and by paste', async () => {
    await submitForm(agent, '/contacts', '/contacts', {
      name: `Ada${NASTY} Lovelace`,
      email: `ada${NASTY}@example.com`,
    });
    await submitForm(agent, '/contacts', '/contacts/paste', {
      lines: `Grace\u0000 Hopper, grace@example.com\nLin\u0000, lin@example.com`,
    });
    const names = await t.db.query<{ name: string; email: string }>(`SELECT name, email FROM contacts ORDER BY email`);
    expect(names).toEqual([
      { name: 'Ada Lovelace', email: 'ada@example.com' },
      { name: 'Grace Hopper', email: 'grace@example.com' },
      { name: 'Lin', email: 'lin@example.com' },
    ]);
  });

  it('in properties (newlines between them kept) and tags on the contact page', async () => {
    const { id } = (await one<{ id: string }>(`SELECT id FROM contacts WHERE email = 'ada@example.com'`))!;
    await submitForm(agent, `/contacts/${id}`, `/contacts/${id}`, {
      name: 'Ada',
      email: 'ada@example.com',
      properties: `plan\u0000: pro${NASTY}\r\nseats: 3\u0000`,
      tags: `vip\u0000, beta`,
    });
    const c = (await one<{ properties: object; tags: string[] }>(
      `SELECT properties, tags FROM contacts WHERE id = :id`,
      {
        id,
      },
    ))!;
    expect(c.properties).toEqual({ plan: 'pro', seats: '3' });
    expect([...c.tags].sort()).toEqual(['beta', 'vip']);
  });

  it('in a segment name and in the prop filter of the query string', async () => {
    const list = await agent.get(`/contacts?prop=${encodeURIComponent('plan\u0000:pro\u0000')}`).expect(200);
    expect(list.text).toContain('ada@example.com');
    await submitForm(agent, '/contacts', '/contacts/segments', {
      name: `Pro\u0000 plan${NASTY}`,
      prop: 'plan:pro\u0000',
    });
    const s = (await one<{ name: string; filter: object }>(`SELECT name, filter FROM segments`))!;
    expect(s.name).toBe('Pro plan');
    expect(JSON.stringify(s.filter)).not.toMatch(/\\u0000/);
  });

  it('in a survey title (never stored as the two characters \\0) and an inbox note', async () => {
    const created = await submitForm(agent, '/surveys/new', '/surveys', { template: 'how-are-we-doing' });
    const id = created.headers.location!.split('/')[2]!;
    const page = await agent.get(`/surveys/${id}/edit`).expect(200);
    const body = new URLSearchParams({
      _csrf: csrfFrom(page.text),
      title: `Pulse\u0000${NASTY}\tQ1`,
      intro: 'Line one\nline two',
      language: 'en',
      senderUserId: '',
      closesAt: '',
      thankYouUrl: '',
      'questions.0.id': 'nps',
      'questions.0.type': 'nps',
      'questions.0.text': 'How likely?\u0000',
      'questions.0.required': 'on',
    });
    await agent.post(`/surveys/${id}/edit`).type('form').send(body.toString()).expect(303);
    const s = (await one<{ title: string; intro: string }>(`SELECT title, intro FROM surveys WHERE id = :id`, { id }))!;
    expect(s).toEqual({ title: 'Pulse\tQ1', intro: 'Line one\nline two' });

    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    await request(t.app).post(`/r/${token}`).type('form').send({ nps: '3' }).expect(303);
    const r = (await one<{ id: string }>(`SELECT id FROM responses`))!;
    const inbox = await agent.get(`/inbox/${r.id}`).expect(200);
    await agent
      .post(`/inbox/${r.id}/notes`)
      .type('form')
      .send({ _csrf: csrfFrom(inbox.text), note: `Called\u0000 them${NASTY}\nall good` })
      .expect(303);
    const note = (await one<{ body: string }>(`SELECT body FROM followup_notes`))!;
    expect(note.body).toBe('Called them\nall good');
  });

  it("in the respondent's comment, with a form or JSON-accepting fetch, and a lone surrogate becomes U+FFFD", async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    await request(t.app)
      .post(`/r/${token}`)
      .type('form')
      .send({ nps: '9', reason: `Great\u0000 support${NASTY}\nthanks \ud800!` })
      .expect(303);
    const saved = (await one<{ comment: string; answers: Record<string, unknown> }>(
      `SELECT comment, answers FROM responses WHERE delivery_id = :deliveryId`,
      { deliveryId },
    ))!;
    expect(saved.comment).toBe('Great support\nthanks \uFFFD!');
    await request(t.app)
      .post(`/r/${token}`)
      .set('Accept', 'application/json')
      .type('form')
      .send({ nps: '9', reason: 'again\u0000', _partial: '1' })
      .expect(200);
  });

  it('JSON bodies are cleaned too, and a body nested deeper than any form is a 400', async () => {
    const page = await agent.get('/contacts').expect(200);
    await agent
      .post('/contacts')
      .set('X-CSRF-Token', csrfFrom(page.text))
      .send({ name: 'Jo\u0000e', email: 'joe@example.com' })
      .expect(303);
    expect((await one<{ name: string }>(`SELECT name FROM contacts WHERE email = 'joe@example.com'`))!.name).toBe(
      'Joe',
    );
    const deep = '['.repeat(500) + ']'.repeat(500);
    await agent
      .post('/contacts')
      .set('X-CSRF-Token', csrfFrom(page.text))
      .set('Content-Type', 'application/json')
      .send(`{"name":${deep},"email":"x@example.com"}`)
      .expect(400);
  });
});

describe("the respondent's hidden fields are checked: a tampered one is ignored, never a 500, never half-done", () => {
  it.each([['abc'], ['1.5'], ['1234567890123456789012345'], ['-1'], ['9223372036854775808'], ['']])(
    '_click=%s with a final answer saves the answer and answers 303',
    async (click) => {
      const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
      await request(t.app).post(`/r/${token}`).type('form').send({ nps: '4', _click: click }).expect(303);
      const r = await one<{ score: number; completed: boolean }>(
        `SELECT score, completed_at IS NOT NULL AS completed FROM responses WHERE delivery_id = :deliveryId`,
        { deliveryId },
      );
      expect(r).toEqual({ score: 4, completed: true });
    },
  );

  it('a tampered _click on an automatic confirmation stores nothing', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    const res = await request(t.app)
      .post(`/r/${token}`)
      .set('Accept', 'application/json')
      .type('form')
      .send({ nps: '4', _click: '1'.repeat(25), _auto: '1', _partial: '1' })
      .expect(200);
    expect(res.body.saved).toBe(false);
    expect(await one(`SELECT 1 AS one FROM responses WHERE delivery_id = :deliveryId`, { deliveryId })).toBeUndefined();
  });

  it('repeated or odd _partial, _auto and _shown fields are read as strings or ignored', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    await request(t.app)
      .post(`/r/${token}`)
      .type('form')
      .send('nps=2&_partial=1&_partial=0&_auto=x&_shown=help&_shown=&_shown=%00&help=Call%20me&_click=1&_click=2')
      .expect(303);
    const r = (await one<{ score: number; answers: Record<string, unknown> }>(
      `SELECT score, answers FROM responses WHERE delivery_id = :deliveryId`,
      { deliveryId },
    ))!;
    expect(r.score).toBe(2);
    expect(r.answers.help).toBe('Call me');
  });
});
