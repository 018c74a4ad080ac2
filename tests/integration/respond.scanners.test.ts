import request from 'supertest';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedInAgent>>;
let workspaceId: string;
let surveyId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  workspaceId = (await t.db.one<{ id: string }>('SELECT id FROM workspaces'))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY });
});
afterAll(() => t.close());

const invite = () => seedDelivery(t.db, t.sealer, workspaceId, surveyId);
const clickIdIn = (html: string) => /name="_click" value="(\d+)"/.exec(html)?.[1];
const autoConfirm = (token: string, clickId: string | undefined, score: number) =>
  request(t.app)
    .post(`/r/${token}`)
    .set('Accept', 'application/json')
    .type('form')
    .send({ nps: String(score), _partial: '1', _auto: '1', ...(clickId ? { _click: clickId } : {}) });
const clicksOf = (deliveryId: string) =>
  t.db.query<{ score: number; status: string; discard_reason: string | null }>(
    'SELECT score, status, discard_reason FROM response_clicks WHERE delivery_id = :deliveryId ORDER BY id',
    { deliveryId },
  );
const responsesOf = (deliveryId: string) =>
  t.db.query<{ score: number }>('SELECT score FROM responses WHERE delivery_id = :deliveryId', { deliveryId });

describe('a GET or HEAD never answers', () => {
  it('opening a score link preselects it and keeps an unconfirmed click apart; HEAD records nothing at all', async () => {
    const { token, deliveryId } = await invite();
    await request(t.app).head(`/r/${token}?score=3`).expect(200);
    expect(await clicksOf(deliveryId)).toHaveLength(0);
    const page = await request(t.app).get(`/r/${token}?score=3`).expect(200);
    expect(page.text).toMatch(/name="nps" value="3" checked/);
    expect(page.text).toContain('data-auto="1"');
    expect(await clicksOf(deliveryId)).toEqual([{ score: 3, status: 'pending', discard_reason: null }]);
    expect(await responsesOf(deliveryId)).toHaveLength(0);
  });

  it('the page confirming the click by itself records the response and marks the click confirmed', async () => {
    const { token, deliveryId } = await invite();
    const page = await request(t.app).get(`/r/${token}?score=9`).expect(200);
    const res = await autoConfirm(token, clickIdIn(page.text), 9).expect(200);
    // It says what happened (their score from the email is kept), not a bare "Saved." they never asked for.
    expect(res.body).toEqual({
      saved: true,
      message: 'Your score is saved. Add a few words below if you like, then tap Send.',
    });
    expect(await responsesOf(deliveryId)).toEqual([{ score: 9 }]);
    expect((await clicksOf(deliveryId))[0]!.status).toBe('confirmed');
  });
});

describe('scanner defence', () => {
  it('a burst of score clicks from one delivery marks it scanned, discards the clicks with the reason, and refuses their auto-confirm', async () => {
    const { token, deliveryId } = await invite();
    const pages = [];
    for (let s = 0; s <= 10; s++) pages.push(await request(t.app).get(`/r/${token}?score=${s}`).expect(200));
    const [scan] = await t.db.query<{ reason: string }>(
      'SELECT reason FROM scanned_deliveries WHERE delivery_id = :deliveryId',
      { deliveryId },
    );
    expect(scan!.reason).toBe('burst');
    const clicks = await clicksOf(deliveryId);
    expect(clicks).toHaveLength(11);
    expect(clicks.every((c) => c.status === 'discarded' && c.discard_reason === 'burst')).toBe(true);
    // Pages served once the burst was seen no longer confirm by themselves.
    expect(pages[10]!.text).toContain('data-auto="0"');

    for (const [i, p] of pages.entries()) {
      const res = await autoConfirm(token, clickIdIn(p.text), i).expect(200);
      expect(res.body.saved).toBe(false);
    }
    expect(await responsesOf(deliveryId)).toHaveLength(0);

    // A person still answers with one tap on "Send".
    await request(t.app).post(`/r/${token}`).type('form').send({ nps: '8' }).expect(303);
    expect(await responsesOf(deliveryId)).toEqual([{ score: 8 }]);
  });

  it('following the hidden honeypot link marks the delivery scanned and discards its pending click; unknown tokens get the same answer', async () => {
    const { token, deliveryId } = await invite();
    const page = await request(t.app).get(`/r/${token}?score=10`).expect(200);
    expect(page.text).toMatch(new RegExp(`<a href="/r/${token}/h" class="hp" hidden tabindex="-1"`));
    await request(t.app).get(`/r/${token}/h`).expect(204);
    expect(
      await t.db.query('SELECT reason FROM scanned_deliveries WHERE delivery_id = :deliveryId', { deliveryId }),
    ).toEqual([{ reason: 'honeypot' }]);
    expect(await clicksOf(deliveryId)).toEqual([{ score: 10, status: 'discarded', discard_reason: 'honeypot' }]);
    expect((await autoConfirm(token, clickIdIn(page.text), 10).expect(200)).body.saved).toBe(false);
    expect(await responsesOf(deliveryId)).toHaveLength(0);

    await request(t.app)
      .get(`/r/${'x'.repeat(43)}/h`)
      .expect(204);
    await request(t.app).get('/r/nonsense/h').expect(204);
  });

  it('a later click on a scanned delivery is never auto-confirmed, and is recorded as discarded with the reason', async () => {
    const { token, deliveryId } = await invite();
    await request(t.app).get(`/r/${token}/h`).expect(204);
    const page = await request(t.app).get(`/r/${token}?score=7`).expect(200);
    expect(page.text).toContain('data-auto="0"');
    const res = await autoConfirm(token, clickIdIn(page.text), 7).expect(200);
    expect(res.body).toMatchObject({
      saved: false,
      reason: 'scanned_delivery',
      message: 'Tap Send to confirm your answer.',
    });
    expect(await clicksOf(deliveryId)).toEqual([{ score: 7, status: 'discarded', discard_reason: 'scanned_delivery' }]);
  });

  it("an auto-confirm without a click of this delivery is refused (it cannot borrow another link's click)", async () => {
    const a = await invite();
    const b = await invite();
    const page = await request(t.app).get(`/r/${a.token}?score=9`).expect(200);
    expect((await autoConfirm(b.token, clickIdIn(page.text), 9).expect(200)).body.saved).toBe(false);
    expect((await autoConfirm(b.token, undefined, 9).expect(200)).body.saved).toBe(false);
    expect(await responsesOf(b.deliveryId)).toHaveLength(0);
  });

  it('unconfirmed and scanned clicks never reach the dashboard: only confirmed answers count', async () => {
    const dashboard = await agent.get(`/surveys/${surveyId}`).expect(200);
    const confirmed = await t.db.one<{ n: number }>('SELECT count(*) AS n FROM responses WHERE survey_id = :surveyId', {
      surveyId,
    });
    const clicks = await t.db.one<{ n: number }>('SELECT count(*) AS n FROM response_clicks');
    expect(clicks!.n).toBeGreaterThan(confirmed!.n);
    expect(dashboard.text).toContain(`data-testid="responses">${confirmed!.n}<`);
  });
});
