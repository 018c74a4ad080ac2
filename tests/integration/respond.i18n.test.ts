import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/testApp';
import { NPS_SURVEY, seedDelivery, seedSurvey, seedWorkspace } from '../factories/respondent';

let t: TestApp;
let workspaceId: string;

beforeAll(async () => {
  t = await createTestApp();
  workspaceId = await seedWorkspace(t.db);
});
afterAll(() => t.close());

const PAGES = {
  en: {
    send: '>Send</button>',
    optional: '(optional)',
    thanks: 'Valeria at Acme reads every answer.',
    unsub: 'Stop survey emails?',
    tooLong: 'Please keep your answer under 5,000 characters.',
  },
  fr: {
    send: '>Envoyer</button>',
    optional: '(facultatif)',
    thanks: 'Valeria at Acme lit chaque réponse.',
    unsub: 'Ne plus recevoir d’enquêtes ?',
    tooLong: 'Veuillez limiter votre réponse à 5',
  },
  de: {
    send: '>Senden</button>',
    optional: '(optional)',
    thanks: 'Valeria at Acme liest jede Antwort.',
    unsub: 'Keine Umfragen mehr erhalten?',
    tooLong: 'Bitte halten Sie Ihre Antwort unter 5.000 Zeichen.',
  },
  es: {
    send: '>Enviar</button>',
    optional: '(opcional)',
    thanks: 'Valeria at Acme lee cada respuesta.',
    unsub: '¿Dejar de recibir encuestas?',
    tooLong: 'Mantenga su respuesta por debajo de 5000 caracteres',
  },
};

describe.each(Object.entries(PAGES))('respondent pages in %s', (lang, words) => {
  it("the answer, refused-answer, thank-you and unsubscribe pages speak the survey's language; question texts stay the team's", async () => {
    const surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, language: lang });
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId);
    const page = await request(t.app).get(`/r/${token}?score=8`).expect(200);
    expect(page.text).toContain(`<html lang="${lang}">`);
    expect(page.text).toContain(words.send);
    expect(page.text).toContain(words.optional);
    expect(page.text).toContain('How likely are you to recommend us?');
    const refused = await request(t.app)
      .post(`/r/${token}`)
      .type('form')
      .send({ nps: '8', reason: 'x'.repeat(5001) })
      .expect(422);
    expect(refused.text).toContain(words.tooLong);
    await request(t.app).post(`/r/${token}`).type('form').send({ nps: '8' }).expect(303);
    expect((await request(t.app).get(`/r/${token}/thanks`).expect(200)).text).toContain(words.thanks);
    expect((await request(t.app).get(`/r/${token}/unsubscribe`).expect(200)).text).toContain(words.unsub);
  });
});

describe('choosing the language', () => {
  it("a contact whose language the survey is not translated into reads the survey's own language, whole", async () => {
    const surveyId = await seedSurvey(t.db, workspaceId, { questions: NPS_SURVEY, language: 'fr' });
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId, { locale: 'es-MX' });
    const page = await request(t.app).get(`/r/${token}`).expect(200);
    expect(page.text).toContain('<html lang="fr">');
    expect(page.text).toContain('>Envoyer</button>');
  });

  it("the contact's own locale wins when the survey has a complete translation into it", async () => {
    const questions = NPS_SURVEY.map((q) => ({
      ...q,
      translations: {
        es: {
          text: `ES ${q.text}`,
          ...(q.lowLabel && { lowLabel: 'Nada' }),
          ...(q.highLabel && { highLabel: 'Mucho' }),
        },
      },
    }));
    const surveyId = await seedSurvey(t.db, workspaceId, { questions, language: 'fr' });
    await t.db.execute(`UPDATE surveys SET translations = '{"es": {"subject": "¿Qué tal?"}}' WHERE id = :surveyId`, {
      surveyId,
    });
    const { token } = await seedDelivery(t.db, t.sealer, workspaceId, surveyId, { locale: 'es-MX' });
    const page = await request(t.app).get(`/r/${token}`).expect(200);
    expect(page.text).toContain('<html lang="es">');
    expect(page.text).toContain('>Enviar</button>');
    expect(page.text).toContain('<h1>¿Qué tal?</h1>');
    expect(page.text).toContain('ES How likely are you to recommend us?');
  });

  it("before any token is known (an unknown link), the browser's language is used", async () => {
    const page = await request(t.app).get('/r/nonsense').set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.5').expect(404);
    expect(page.text).toContain('<html lang="de">');
    expect(page.text).toContain('Dieser Link funktioniert nicht');
  });
});
