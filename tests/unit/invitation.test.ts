import { renderInvitation, type SurveyMail } from '../../src/modules/delivery/kinds/invitation';
import { signedBy } from '../../src/modules/delivery/kinds/reply';
import type { Question } from '../../src/modules/surveys/questions';

const base: SurveyMail = {
  id: 'd1',
  workspaceId: 'w1',
  deliveryId: 'd1',
  replyToEmail: null,
  attempts: 1,
  tokenSealed: 'sealed',
  contactId: 'c1',
  contactName: 'Pat',
  contactEmail: 'pat@example.com',
  surveyTitle: 'Quick question',
  surveyIntro: '',
  surveySubject: '',
  surveyTranslations: {},
  questions: [{ id: 'nps', type: 'nps', text: 'Would you recommend us?', required: true }],
  senderName: 'Valeria',
  workspaceName: 'Acme',
  postalAddress: '1 Main St, Springfield',
  brandColor: null,
  logoSha256: null,
  surveyLanguage: 'en',
  contactLocale: null,
  lastLine: null,
  lastLineBy: null,
};
const TOKEN = 'T'.repeat(43);
const render = (d: Partial<SurveyMail>, options?: { reminder?: boolean }) =>
  renderInvitation({ ...base, ...d }, TOKEN, 'https://pulse.example', options);
const scoreLinks = (html: string) =>
  [...html.matchAll(/href="https:\/\/pulse\.example\/r\/T{43}\?score=(\d+)"/g)].map((m) => Number(m[1]));

describe('the invitation email', () => {
  it('shows the first scale question as one-click links for CSAT (labelled), CES and rating too', async () => {
    const cases: [Question['type'], number[]][] = [
      ['csat', [1, 2, 3, 4, 5]],
      ['ces', [1, 2, 3, 4, 5, 6, 7]],
      ['rating', [1, 2, 3, 4, 5]],
    ];
    for (const [type, scores] of cases) {
      const mail = await render({
        questions: [
          { id: 'q0', type: 'yes_no', text: 'Customer?', required: false },
          { id: 'q', type, text: 'How was it?', required: true },
        ],
      });
      expect(scoreLinks(mail.html)).toEqual(scores);
    }
    const csat = await render({ questions: [{ id: 'q', type: 'csat', text: 'How was it?', required: true }] });
    expect(csat.html).toContain('Very unsatisfied');
    expect(csat.text).toContain('5 (Very satisfied): https://pulse.example/r/' + TOKEN + '?score=5');
  });

  it('without a scale question, one button opens the survey', async () => {
    const mail = await render({ questions: [{ id: 'q', type: 'long_text', text: 'Tell us', required: true }] });
    expect(scoreLinks(mail.html)).toEqual([]);
    expect(mail.html).toContain(`href="https://pulse.example/r/${TOKEN}"`);
  });

  it('carries a visible unsubscribe link, the postal address, and a honeypot link no person can see', async () => {
    const mail = await render({});
    expect(mail.html).toMatch(
      new RegExp(`<a href="https://pulse.example/r/${TOKEN}/unsubscribe"[^>]*>Unsubscribe</a>`),
    );
    expect(mail.html).toContain('1 Main St, Springfield');
    expect(mail.text).toContain(`Unsubscribe: https://pulse.example/r/${TOKEN}/unsubscribe`);
    expect(mail.html).toMatch(
      new RegExp(
        `<a href="https://pulse.example/r/${TOKEN}/h" style="display:none[^"]*" aria-hidden="true" tabindex="-1"></a>`,
      ),
    );
    expect(mail.text).not.toContain('/h\n');
  });

  it("speaks the survey's language; a contact's own locale only when the survey is translated into it", async () => {
    const expectations: [Partial<SurveyMail>, string, string, string][] = [
      [{ surveyLanguage: 'fr' }, 'fr', 'Se désabonner', 'Pas du tout probable'],
      // No German translation: the German contact reads the survey as written, in one language.
      [{ surveyLanguage: 'fr', contactLocale: 'de-AT' }, 'fr', 'Se désabonner', 'Pas du tout probable'],
      [{ surveyLanguage: 'en', contactLocale: 'es' }, 'en', 'Unsubscribe', 'Not at all likely'],
      [{ surveyLanguage: 'en', contactLocale: 'pt-BR' }, 'en', 'Unsubscribe', 'Not at all likely'],
    ];
    for (const [d, lang, unsubscribe, low] of expectations) {
      const mail = await render(d);
      expect(mail.html).toContain(`<html lang="${lang}">`);
      expect(mail.html).toContain(`>${unsubscribe}</a>`);
      expect(mail.html).toContain(low);
      expect(mail.html).toContain('Would you recommend us?');
    }
  });

  const translated: Partial<SurveyMail> = {
    surveyIntro: 'Two minutes to help us improve.',
    surveyTranslations: { fr: { subject: 'Une petite question', intro: 'Deux minutes pour nous aider.' } },
    questions: [
      {
        id: 'nps',
        type: 'nps',
        text: 'Would you recommend us?',
        required: true,
        lowLabel: 'Never',
        highLabel: 'Surely',
        translations: { fr: { text: 'Nous recommanderiez-vous ?', lowLabel: 'Jamais', highLabel: 'Sûrement' } },
      },
    ],
  };

  it('sends a French contact the French subject, intro, question and score labels when the translation is complete', async () => {
    const mail = await render({ ...translated, contactLocale: 'fr-CA' });
    expect(mail.subject).toBe('Une petite question');
    expect(mail.html).toContain('<html lang="fr">');
    for (const words of ['Deux minutes pour nous aider.', 'Nous recommanderiez-vous ?', 'Jamais', 'Sûrement']) {
      expect(mail.html).toContain(words);
      expect(mail.text).toContain(words);
    }
    expect(mail.html).not.toContain('Would you recommend us?');
    expect((await render({ ...translated, contactLocale: 'fr' }, { reminder: true })).subject).toBe(
      'Rappel : Une petite question',
    );
  });

  it('an incomplete translation is not sent: that contact gets the default language, whole', async () => {
    const mail = await render({
      ...translated,
      surveyTranslations: { fr: { subject: 'Une petite question' } }, // the intro is not translated
      contactLocale: 'fr',
    });
    expect(mail.subject).toBe('Quick question');
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.text).toContain('Would you recommend us?');
    expect(mail.text).not.toContain('Nous recommanderiez-vous');
  });

  it('an unknown locale, or none, gets the default language', async () => {
    for (const contactLocale of ['pt-BR', null, 'zz']) {
      const mail = await render({ ...translated, contactLocale });
      expect(mail.subject).toBe('Quick question');
      expect(mail.text).toContain('Would you recommend us?');
    }
    expect((await render({ ...translated, surveySubject: 'How are we doing, Pat?' })).subject).toBe(
      'How are we doing, Pat?',
    );
  });

  it("accepts the outbox's reminder option and says so", async () => {
    const mail = await render({ surveyLanguage: 'de' }, { reminder: true });
    expect(mail.text.split('\n')[0]).toBe('Hallo Pat,');
    expect(mail.text.split('\n')[2]).toBe('Eine kurze Erinnerung, falls diese Nachricht untergegangen ist.');
    expect(mail.subject).toBe('Erinnerung: Quick question');
    expect((await render({ surveyLanguage: 'de' })).subject).toBe('Quick question');
  });
});

describe('the invitation speaks to a person', () => {
  it('greets them by name in every language, carries the intro line, and is signed once', async () => {
    const greetings: [string, string][] = [
      ['en', 'Hi Pat,'],
      ['fr', 'Bonjour Pat,'],
      ['de', 'Hallo Pat,'],
      ['es', 'Hola, Pat:'],
    ];
    for (const [surveyLanguage, hello] of greetings) {
      const mail = await render({ surveyLanguage, surveyIntro: 'Two minutes to help us improve.' });
      expect(mail.text.split('\n')[0]).toBe(hello);
      expect(mail.html).toContain(`>${hello}</p>`);
      expect(mail.text).toContain('Two minutes to help us improve.');
      expect(mail.html).toContain('Two minutes to help us improve.');
    }
    const anonymous = await render({ contactName: '' });
    expect(anonymous.text.split('\n')[0]).toBe('Would you recommend us?');
    expect(anonymous.html).not.toContain('Hi ,');
  });

  it('signs "— Valeria, Acme", or only "— Valeria at Acme" when the sender already names the workspace', async () => {
    expect((await render({})).text).toContain('\n— Valeria, Acme\n');
    const named = await render({ senderName: 'Valeria at Acme', workspaceName: 'Acme Analytics' });
    expect(named.text).toContain('\n— Valeria at Acme\n');
    expect(named.html).toContain('— Valeria at Acme</p>');
    expect(named.text).not.toContain('Acme Analytics\n\nYou receive');
  });
});

describe('"Last time you told us…"', () => {
  it("carries the closing line with the teammate's name, in the contact's language, only when one was written", async () => {
    const line = 'You told us exports timed out — we rebuilt them in March.';
    const cases: [string, string][] = [
      ['en', `Last time, you told us what you thought. Sam writes: “${line}”`],
      ['fr', `La dernière fois, vous nous avez dit ce que vous pensiez. Sam vous écrit : « ${line} »`],
      ['de', `Letztes Mal haben Sie uns Ihre Meinung gesagt. Sam schreibt: „${line}“`],
      ['es', `La última vez nos contó lo que pensaba. Sam le escribe: «${line}»`],
    ];
    for (const [locale, expected] of cases) {
      // The whole email is in one language: the contact's, where the survey is written in it.
      const mail = await render({ contactLocale: locale, surveyLanguage: locale, lastLine: line, lastLineBy: 'Sam' });
      expect(mail.text).toContain(expected);
      expect(mail.html).toContain('data-last-time');
    }
    const escaped = await render({ lastLine: '<b>fixed</b>', lastLineBy: 'Sam' });
    expect(escaped.html).toContain('&lt;b&gt;fixed&lt;/b&gt;');
    for (const none of [{}, { lastLine: '   ', lastLineBy: 'Sam' }, { lastLine: line, lastLineBy: null }]) {
      const mail = await render(none);
      expect(mail.text).not.toContain('Last time');
      expect(mail.html).not.toContain('data-last-time');
    }
  });
});

describe('a personal reply is signed once', () => {
  it('adds no signature when the teammate signed their message', () => {
    expect(signedBy('Thanks a lot!\n— Sam', 'Sam Lee')).toBe(true);
    expect(signedBy('Thanks a lot!\n\nBest,\nsam', 'Sam Lee')).toBe(true);
    expect(signedBy('Thanks a lot!\n-- S.', 'Sam Lee')).toBe(true);
    expect(signedBy('Thanks a lot, we fixed it.', 'Sam Lee')).toBe(false);
    expect(signedBy('Samples are on the way.', 'Sam Lee')).toBe(false);
  });
});
