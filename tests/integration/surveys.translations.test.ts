import request from 'supertest';
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
let surveyId: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await signedInAgent(t.app);
  surveyId = await createSurvey(agent);
});
afterAll(() => t.close());

/** The builder's whole form for the "How are we doing?" template, as the page posts it, plus `extra`. */
const builderForm = (extra: Record<string, string>) => ({
  title: 'How are we doing?',
  intro: 'Two minutes to help us improve.',
  subject: 'A quick question from Acme',
  language: 'en',
  senderUserId: '',
  closesAt: '',
  thankYouUrl: '',
  'questions.0.id': 'nps',
  'questions.0.type': 'nps',
  'questions.0.text': 'How likely are you to recommend us to a friend or colleague?',
  'questions.0.required': 'on',
  'questions.0.lowLabel': 'Not at all likely',
  'questions.0.highLabel': 'Extremely likely',
  'questions.1.id': 'reason',
  'questions.1.type': 'single_choice',
  'questions.1.text': 'What matters most to you?',
  'questions.1.choices': 'Price\nSpeed',
  action: 'save',
  ...extra,
});

const FRENCH = {
  'translations.fr.subject': 'Une petite question de la part d’Acme',
  'translations.fr.intro': 'Deux minutes pour nous aider à progresser.',
  'questions.0.fr.text': 'Quelle est la probabilité que vous nous recommandiez à un ami ou un collègue ?',
  'questions.0.fr.lowLabel': 'Pas du tout probable',
  'questions.0.fr.highLabel': 'Très probable',
  'questions.1.fr.text': 'Qu’est-ce qui compte le plus pour vous ?',
  'questions.1.fr.choiceOf.0': 'Price',
  'questions.1.fr.choices.0': 'Le prix',
  'questions.1.fr.choiceOf.1': 'Speed',
  'questions.1.fr.choices.1': 'La rapidité',
};

async function saveBuilder(fields: Record<string, string>, status = 303) {
  const page = await agent.get(`/surveys/${surveyId}/edit`).expect(200);
  return agent
    .post(`/surveys/${surveyId}/edit`)
    .type('form')
    .send({ ...builderForm(fields), _csrf: csrfFrom(page.text) })
    .expect(status);
}

const statusOf = (html: string, lang: string) =>
  new RegExp(`data-testid="translation-${lang}">(.*?)</li>`).exec(html)?.[1]?.replace(/<[^>]+>/g, '');

describe('a survey in several languages', () => {
  it('the builder lists each language as not started, then what a half-done translation still lacks', async () => {
    const empty = await agent.get(`/surveys/${surveyId}/edit`).expect(200);
    expect(statusOf(empty.text, 'fr')).toBe('Français: not started');
    expect(statusOf(empty.text, 'de')).toBe('Deutsch: not started');

    const half = Object.fromEntries(Object.entries(FRENCH).filter(([k]) => !k.startsWith('questions.1')));
    await saveBuilder(half);
    const page = await agent.get(`/surveys/${surveyId}/edit`).expect(200);
    expect(statusOf(page.text, 'fr')).toBe('Français: 3 missing');
    expect(page.text).toContain('Missing: Question 2 text, Question 2 choice “Price”, Question 2 choice “Speed”.');
    // Half done is kept as typed, on the form.
    expect(page.text).toContain('value="Deux minutes pour nous aider à progresser."');
  });

  it('a complete translation is listed as sent; the question translations are part of the version', async () => {
    await saveBuilder(FRENCH);
    const page = await agent.get(`/surveys/${surveyId}/edit`).expect(200);
    expect(statusOf(page.text, 'fr')).toBe('Français: complete — sent to contacts in Français');
    const [version] = await t.db.query<{ questions: { translations?: Record<string, { text: string }> }[] }>(
      `SELECT questions FROM survey_versions WHERE survey_id = :surveyId ORDER BY version DESC LIMIT 1`,
      { surveyId },
    );
    expect(version!.questions[1]!.translations!.fr!.text).toBe('Qu’est-ce qui compte le plus pour vous ?');
  });

  it('the preview draws the French version', async () => {
    const preview = await agent.get(`/surveys/${surveyId}/preview?lang=fr`).expect(200);
    expect(preview.text).toContain('Quelle est la probabilit');
    expect(preview.text).toContain('Le prix');
  });

  let frenchToken: string;

  it("a French contact's invitation, read from the real SMTP server, carries the French subject, intro, question and labels; a contact with an unknown locale gets the default", async () => {
    await submitForm(agent, '/contacts', '/contacts/paste', {
      lines: 'Amélie Poulain, amelie@example.com\nPat Doe, pat@example.com\nJo Roe, jo@example.com',
    });
    const [amelie] = await t.db.query<{ id: string }>(`SELECT id FROM contacts WHERE email = 'amelie@example.com'`);
    const contact = await agent.get(`/contacts/${amelie!.id}`).expect(200);
    await agent
      .post(`/contacts/${amelie!.id}`)
      .type('form')
      .send({ name: 'Amélie Poulain', email: 'amelie@example.com', locale: 'fr', _csrf: csrfFrom(contact.text) })
      .expect(303);
    // A CSV import keeps a locale as given: one Rapport has no translation for.
    await t.db.execute(`UPDATE contacts SET locale = 'pt-BR' WHERE email = 'pat@example.com'`);

    await sendNow(agent, surveyId);
    expect(await t.worker.drainOnce()).toBe(3);
    const to = (address: string) =>
      t.smtp.messages.find((m) => m.to && !Array.isArray(m.to) && m.to.value[0]!.address === address)!;

    const fr = to('amelie@example.com');
    expect(fr.subject).toBe('Une petite question de la part d’Acme');
    expect(fr.html).toContain('<html lang="fr">');
    for (const words of [
      'Bonjour Amélie Poulain,',
      'Deux minutes pour nous aider à progresser.',
      'Quelle est la probabilité que vous nous recommandiez à un ami ou un collègue ?',
      'Pas du tout probable',
      'Très probable',
    ]) {
      expect(fr.text).toContain(words);
    }
    expect(fr.text).not.toContain('How likely');
    frenchToken = /\/r\/([\w-]{43})\?score=/.exec(fr.html as string)![1]!;

    for (const address of ['pat@example.com', 'jo@example.com']) {
      const en = to(address);
      expect(en.subject).toBe('A quick question from Acme');
      expect(en.text).toContain('How likely are you to recommend us to a friend or colleague?');
      expect(en.text).toContain('Two minutes to help us improve.');
      expect(en.text).not.toContain('Quelle');
    }
  });

  it('the French link opens the French page; a choice answered in French is stored as its default-language value', async () => {
    const page = await request(t.app).get(`/r/${frenchToken}?score=9`).expect(200);
    expect(page.text).toContain('<html lang="fr">');
    expect(page.text).toContain('Quelle est la probabilité');
    expect(page.text).toContain('>Envoyer</button>');
    expect(page.text).toMatch(/id="reason-0" name="reason" value="Price">\s*<label for="reason-0">Le prix<\/label>/);
    await request(t.app).post(`/r/${frenchToken}`).type('form').send({ nps: '9', reason: 'Price' }).expect(303);
    const [row] = await t.db.query<{ answers: Record<string, unknown>; locale: string }>(
      `SELECT answers, locale FROM responses`,
    );
    expect(row!.answers).toEqual({ nps: 9, reason: 'Price' });
    expect(row!.locale).toBe('fr');
  });

  it('changing a French word of a version that was sent publishes a new version; the old one keeps its words', async () => {
    const res = await saveBuilder({ ...FRENCH, 'questions.1.fr.text': 'Qu’est-ce qui compte vraiment ?' });
    expect(res.headers.location).toContain('saved=published');
    const versions = await t.db.query<{ version: number; questions: { translations?: { fr?: { text: string } } }[] }>(
      `SELECT version, questions FROM survey_versions WHERE survey_id = :surveyId ORDER BY version`,
      { surveyId },
    );
    expect(versions.map((v) => v.questions[1]!.translations!.fr!.text)).toEqual([
      'Qu’est-ce qui compte le plus pour vous ?',
      'Qu’est-ce qui compte vraiment ?',
    ]);
  });
});
