import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey } from '../factories/respondent';
import { waitFor } from '../helpers/wait';

/**
 * Real outages: the app reaches PostgreSQL through a proxy this file freezes (a hung server: bytes held,
 * connections left waiting) or cuts (the server is down). Assertions read the database directly.
 */
let t: TestApp;
let workspaceId: string;
let surveyId: string;
beforeAll(async () => {
  t = await createTestApp({ outages: true });
  workspaceId = (await t.db.one<{ id: string }>(
    `INSERT INTO workspaces (name, sender_name, postal_address) VALUES ('Acme', 'Valeria at Acme', '1 Main St') RETURNING id`,
  ))!.id;
  surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY });
});
afterAll(() => t.close());
afterEach(() => t.proxy!.restore());

describe('readiness when PostgreSQL hangs or goes away', () => {
  it('answers 503 while PostgreSQL is frozen (it hung before), and 200 again once it answers', async () => {
    // Ready first (the check's own deadline is short: on a busy machine the first connection may take longer).
    await waitFor(async () => (await request(t.app).get('/readyz')).status === 200);
    t.proxy!.freeze();
    // Still frozen while it answers: the check has its own deadline instead of waiting on the database.
    const res = await request(t.app).get('/readyz').timeout(10_000).expect(503);
    expect(res.body).toEqual({ status: 'database unavailable' });
    await request(t.app).get('/healthz').expect(200);
    t.proxy!.restore();
    await waitFor(async () => (await request(t.app).get('/readyz')).status === 200);
  });

  it('answers 503 while PostgreSQL is down', async () => {
    t.proxy!.cut();
    await request(t.app).get('/readyz').timeout(10_000).expect(503);
  });
});

describe('a respondent answering while the database is down', () => {
  it('gets the page in their language saying the answer is not saved yet, with their answer in the form and Send; sending again once it is back saves it', async () => {
    // A page is in one language: a French survey for a French contact (the chrome is what this checks).
    const french = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, language: 'fr' });
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, french, { locale: 'fr' });
    // They opened the link while all was well...
    await request(t.app).get(`/r/${token}?score=3`).expect(200);
    // ...and the database went away before they pressed Send.
    t.proxy!.cut();
    const answer = { nps: '3', _shown: 'help', help: 'Rappelez-moi, s’il vous plaît', reason: 'Trop lent' };
    const res = await request(t.app).post(`/r/${token}`).type('form').send(answer).expect(503);
    expect(res.text).toContain('<html lang="fr">');
    expect(res.text).toContain('Votre réponse n’est pas encore enregistrée');
    expect(res.text).toContain('touchez Envoyer pour réessayer');
    expect(res.text).toMatch(/<input type="radio" id="nps-3" name="nps" value="3" checked/);
    expect(res.text).toContain('>Trop lent</textarea>');
    expect(res.text).toContain('Rappelez-moi, s’il vous plaît');
    expect(res.text).toContain('data-retry="1"');
    expect(res.text).toContain('<button type="submit">Envoyer</button>');
    expect(await t.db.query(`SELECT 1 FROM responses WHERE delivery_id = :deliveryId`, { deliveryId })).toHaveLength(0);

    t.proxy!.restore();
    await request(t.app).post(`/r/${token}`).type('form').send(answer).expect(303);
    const saved = await t.db.one<{ score: number; answers: Record<string, string> }>(
      `SELECT score, answers FROM responses WHERE delivery_id = :deliveryId`,
      { deliveryId },
    );
    expect(saved).toEqual({
      score: 3,
      answers: { nps: 3, help: 'Rappelez-moi, s’il vous plaît', reason: 'Trop lent' },
    });
  });

  it('a link this process never opened: the answer comes back exactly as sent, in the browser’s language, with Send', async () => {
    const { token, deliveryId } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    t.proxy!.cut();
    const res = await request(t.app)
      .post(`/r/${token}`)
      .set('Accept-Language', 'de-DE,de;q=0.9')
      .type('form')
      .send({ nps: '9', reason: 'Sehr <gut> & schnell' })
      .expect(503);
    expect(res.text).toContain('Ihre Antwort ist noch nicht gespeichert');
    expect(res.text).toContain('<input type="hidden" name="nps" value="9">');
    expect(res.text).toContain('<input type="hidden" name="reason" value="Sehr &lt;gut&gt; &amp; schnell">');
    expect(res.text).toContain(`action="/r/${token}"`);
    expect(res.text).toContain('<button type="submit">Senden</button>');
    t.proxy!.restore();
    await request(t.app)
      .post(`/r/${token}`)
      .type('form')
      .send({ nps: '9', reason: 'Sehr <gut> & schnell' })
      .expect(303);
    expect(await t.db.query(`SELECT 1 FROM responses WHERE delivery_id = :deliveryId`, { deliveryId })).toHaveLength(1);
  });

  it('a save-as-you-go request (JSON) gets a 503 with the message in their language, never a bare 500', async () => {
    const spanish = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, language: 'es' });
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, spanish, { locale: 'es' });
    await request(t.app).get(`/r/${token}`).expect(200);
    t.proxy!.cut();
    const res = await request(t.app)
      .post(`/r/${token}`)
      .set('Accept', 'application/json')
      .type('form')
      .send({ nps: '5', _partial: '1' })
      .expect(503);
    expect(res.body.error.message).toContain('toque Enviar para intentarlo de nuevo');
  });
});
