import request from 'supertest';
import { hashToken } from '../../src/platform/tokens';
import {
  createSurvey,
  createTestApp,
  PUBLIC_URL,
  sendNow,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let surveyId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  surveyId = await createSurvey(agent);
  await submitForm(agent, '/contacts', '/contacts/paste', {
    lines: 'Ada Lovelace, ada@example.com\nGrace Hopper, grace@example.com',
  });
});
afterAll(() => t.close());

const linksIn = (html: string) => [...html.matchAll(/href="(http:\/\/rapport\.test\/r\/[^"?]+)\?score=(\d+)"/g)];

describe('one pulse, end to end, through a real SMTP server', () => {
  let adaToken: string;

  it('"Send now" queues one delivery per contact without sending inline; the worker sends each through SMTP', async () => {
    const sent = await sendNow(agent, surveyId);
    expect(sent.headers.location).toMatch(/^\/waves\//);
    // Nothing left the building during the request: the outbox holds the work.
    expect(t.smtp.messages).toHaveLength(0);
    const queued = await t.db.query<{ status: string }>('SELECT status FROM deliveries');
    expect(queued.map((d) => d.status)).toEqual(['queued', 'queued']);

    expect(await t.worker.drainOnce()).toBe(2);
    expect(t.smtp.messages).toHaveLength(2);
    const wave = await agent.get(sent.headers.location!).expect(200);
    expect(wave.text).toMatch(/<dt>Sent<\/dt><dd>2<\/dd>/);
  });

  it("each email comes from the sender name, has HTML and text, eleven score links with the recipient's own token, and an unsubscribe header", async () => {
    const byRecipient = new Map(
      t.smtp.messages.map((m) => [m.to && !Array.isArray(m.to) ? m.to.value[0]!.address : '', m]),
    );
    const ada = byRecipient.get('ada@example.com')!;
    const grace = byRecipient.get('grace@example.com')!;
    expect(ada.from!.value[0]!.name).toBe('Valeria at Acme');
    expect(ada.subject).toBe('How are we doing?');
    expect(ada.text).toContain('How likely are you to recommend us');
    expect(ada.text).toContain('1 Main St, Springfield');
    const header = (name: string) => ada.headerLines.find((h) => h.key === name)?.line.replace(/\s+/g, ' ');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header('list-unsubscribe')).toMatch(
      /^List-Unsubscribe: <http:\/\/rapport\.test\/r\/[\w-]{43}\/unsubscribe>, <mailto:pulse@rapport\.test\?subject=unsubscribe>$/,
    );
    expect(ada.messageId).toMatch(/^<delivery-[0-9a-f-]+@rapport\.test>$/);

    const adaLinks = linksIn(ada.html as string);
    expect(adaLinks[0]![1]!.startsWith(`${PUBLIC_URL}/r/`)).toBe(true);
    expect(adaLinks.map((m) => Number(m[2]))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(adaLinks.map((m) => m[1])).size).toBe(1);
    const graceLinks = linksIn(grace.html as string);
    expect(graceLinks[0]![1]).not.toBe(adaLinks[0]![1]);

    adaToken = adaLinks[0]![1]!.split('/r/')[1]!;
    // Stored only as a hash: the token itself is nowhere in the table.
    const rows = await t.db.query<{ token_hash: Buffer }>('SELECT token_hash FROM deliveries');
    expect(rows.some((r) => r.token_hash.equals(hashToken(adaToken)))).toBe(true);
    const dump = JSON.stringify(await t.db.query('SELECT * FROM deliveries'));
    expect(dump).not.toContain(adaToken);
  });

  it('opening the "9" link preselects 9 but records nothing (mail scanners prefetch links)', async () => {
    const page = await request(t.app).get(`/r/${adaToken}?score=9`).expect(200);
    expect(page.text).toMatch(/id="nps-9" name="nps" value="9" checked/);
    expect(page.text).toContain('What&#39;s the main reason for your score?');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    await request(t.app).head(`/r/${adaToken}?score=9`).expect(200);
    expect(await t.db.query('SELECT id FROM responses')).toHaveLength(0);
  });

  it("submitting the form records the answer, thanks in the sender's name, and a second submit updates the same response", async () => {
    const res = await request(t.app)
      .post(`/r/${adaToken}`)
      .type('form')
      .send({ nps: '9', reason: 'Fast <b>support</b>' })
      .expect(303);
    expect(res.headers.location).toBe(`/r/${adaToken}/thanks`);
    const thanks = await request(t.app).get(res.headers.location!).expect(200);
    expect(thanks.text).toContain('Valeria at Acme reads every answer.');

    await request(t.app)
      .post(`/r/${adaToken}`)
      .type('form')
      .send({ nps: '10', reason: 'Fast <b>support</b>, really' })
      .expect(303);
    const responses = await t.db.query<{ score: number; comment: string }>('SELECT score, comment FROM responses');
    expect(responses).toEqual([{ score: 10, comment: 'Fast <b>support</b>, really' }]);
  });

  it('concurrent submissions from one link still make exactly one response', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        request(t.app)
          .post(`/r/${adaToken}`)
          .type('form')
          .send({ nps: String(i + 3) })
          .expect(303),
      ),
    );
    const rows = await t.db.query('SELECT id FROM responses');
    expect(rows).toHaveLength(1);
  });

  it('the dashboard shows NPS, the split, responses, response rate, the trend (too short yet) and the comment escaped', async () => {
    await request(t.app)
      .post(`/r/${adaToken}`)
      .type('form')
      .send({ nps: '9', reason: '<script>alert(1)</script> great' })
      .expect(303);
    const page = await agent.get(`/surveys/${surveyId}`).expect(200);
    expect(page.text).toMatch(/data-testid="nps">100</);
    expect(page.text).toMatch(/data-testid="responses">1</);
    expect(page.text).toMatch(/data-testid="rate">50%</);
    expect(page.text).toMatch(/data-testid="q-nps-promoters">1</);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; great');
    expect(page.text).not.toContain('<script>alert(1)</script>');
    // One answer is no trend: the page says so instead of drawing a lone point, and the table still has it.
    expect(page.text).toContain('data-testid="trend-empty"');
    expect(page.text).toMatch(/data-testid="trend-table"[\s\S]*<td>1<\/td>/);
    expect(page.text).toContain('<script src="/vendor/chart.js"></script>');
    await agent
      .get('/vendor/chart.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
  });
});

describe("a respondent's bad input", () => {
  let token: string;
  beforeAll(() => {
    const grace = t.smtp.messages.find((m) => !Array.isArray(m.to) && m.to!.value[0]!.address === 'grace@example.com')!;
    token = linksIn(grace.html as string)[0]![1]!.split('/r/')[1]!;
  });

  it('an unknown or tampered token gets the same 404 page', async () => {
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const a = await request(t.app).get(`/r/${tampered}`).expect(404);
    const b = await request(t.app).get('/r/nonsense').expect(404);
    expect(a.text).toContain('This link does not work');
    expect(b.text).toContain('This link does not work');
    await request(t.app).post(`/r/${tampered}`).type('form').send({ nps: '5' }).expect(404);
  });

  it('a score out of range or a missing score is refused with a message, nothing stored', async () => {
    const out = await request(t.app).post(`/r/${token}`).type('form').send({ nps: '11' }).expect(422);
    expect(out.text).toContain('Choose a score from 0 to 10.');
    const none = await request(t.app).post(`/r/${token}`).type('form').send({ reason: 'hi' }).expect(422);
    expect(none.text).toContain('Choose a score.');
    expect(none.text).toContain('>hi</textarea>'); // what they typed is kept
    expect(await t.db.query(`SELECT id FROM responses WHERE comment = 'hi'`)).toHaveLength(0);
  });

  it('a comment over 5,000 characters is refused with 422; a body over 64 KB with 413', async () => {
    const long = await request(t.app)
      .post(`/r/${token}`)
      .type('form')
      .send({ nps: '5', reason: 'x'.repeat(5001) })
      .expect(422);
    expect(long.text).toContain('Please keep your answer under 5,000 characters.');
    await request(t.app)
      .post(`/r/${token}`)
      .type('form')
      .send({ nps: '5', reason: 'x'.repeat(70_000) })
      .expect(413);
    expect(await t.db.query(`SELECT id FROM responses WHERE score = 5`)).toHaveLength(0);
  });

  it('unsubscribing from the link stops future waves for that contact', async () => {
    await request(t.app).get(`/r/${token}/unsubscribe`).expect(200);
    const done = await request(t.app)
      .post(`/r/${token}/unsubscribe`)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(done.text).toContain('You are unsubscribed');
    const [c] = await t.db.query<{ status: string }>(`SELECT status FROM contacts WHERE email = 'grace@example.com'`);
    expect(c!.status).toBe('unsubscribed');
  });
});
