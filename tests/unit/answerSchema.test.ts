import { AppError } from '../../src/platform/errors';
import { translator } from '../../src/platform/i18n';
import { answerSchemaCache, parseAnswer, scoreFrom } from '../../src/modules/responses/answer.schema';
import { TEMPLATES } from '../../src/modules/surveys/templates';
import type { Question } from '../../src/modules/surveys/questions';

const nps = TEMPLATES[0]!.questions;
const t = translator('en');
const final = (questions: Question[], body: Record<string, unknown>) =>
  parseAnswer(questions, body, { final: true, t, locale: 'en' });
const partial = (questions: Question[], body: Record<string, unknown>) =>
  parseAnswer(questions, body, { final: false, t, locale: 'en' });
const fieldsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as AppError).fields;
  }
  throw new Error('expected a refusal');
};

const survey: Question[] = [
  { id: 'sat', type: 'csat', text: 'How satisfied?', required: true },
  { id: 'help', type: 'long_text', text: 'How can I help?', required: true, showIf: { bands: ['low'] } },
  { id: 'love', type: 'short_text', text: 'What did you love?', required: false, showIf: { bands: ['high'] } },
  { id: 'again', type: 'yes_no', text: 'Again?', required: false },
  { id: 'plan', type: 'single_choice', text: 'Plan?', required: false, choices: ['Free', 'Pro'] },
  { id: 'used', type: 'multiple_choice', text: 'Used?', required: false, choices: ['Chat', 'Email', 'Phone'] },
];

describe('the answer form', () => {
  it('accepts 0–10 and an optional comment; an emptied comment becomes "no answer"', () => {
    expect(final(nps, { nps: '0', reason: '' }).patch).toEqual({ nps: 0, reason: null });
    expect(final(nps, { nps: '10', reason: ' ok ' }).patch).toEqual({ nps: 10, reason: 'ok' });
  });

  it('refuses scores outside the scale, fractions and a missing required score', () => {
    for (const score of ['11', '-1', '4.5'])
      expect(fieldsOf(() => final(nps, { nps: score })).nps).toBe('Choose a score from 0 to 10.');
    expect(fieldsOf(() => final(nps, { nps: 'x' })).nps).toBe('Choose a score.');
    expect(fieldsOf(() => final(nps, {})).nps).toBe('Choose a score.');
  });

  it('a partial save requires nothing but still refuses what is out of range', () => {
    expect(partial(nps, { reason: 'typing…' }).patch).toEqual({ nps: null, reason: 'typing…' });
    expect(fieldsOf(() => partial(nps, { nps: '12' })).nps).toBeDefined();
  });

  it('checks yes/no, single and multiple choices against the question', () => {
    const ok = final(survey, { sat: '5', again: 'yes', plan: 'Pro', used: ['Chat', 'Phone', 'Chat'] });
    expect(ok.patch).toMatchObject({ sat: 5, again: 'yes', plan: 'Pro', used: ['Chat', 'Phone'] });
    const bad = fieldsOf(() => final(survey, { sat: '5', again: 'maybe', plan: 'Gold', used: ['Fax'] }));
    expect(Object.keys(bad).sort()).toEqual(['again', 'plan', 'used']);
  });

  it('a follow-up applies only to its band: required when shown, dropped when the score moves out of its band', () => {
    // Low CSAT (1–3): "How can I help?" applies and, once shown, is required.
    expect(fieldsOf(() => final(survey, { sat: '2', _shown: 'help' })).help).toBe('Please answer this question.');
    // Not shown yet (no JavaScript, first step): not required, but reported as still to ask.
    expect(final(survey, { sat: '2' }).unasked).toEqual(['help']);
    // High CSAT: the low-band follow-up is dropped even if sent.
    const high = final(survey, { sat: '5', help: 'x', _shown: ['help', 'love'] });
    expect(high.patch).not.toHaveProperty('help');
    expect(high.drop).toContain('help');
    expect(high.drop).not.toContain('love');
  });

  it("refuses text over its limit with the limit in the respondent's language", () => {
    expect(fieldsOf(() => final(nps, { nps: '5', reason: 'x'.repeat(5001) })).reason).toBe(
      'Please keep your answer under 5,000 characters.',
    );
    const fr = () =>
      parseAnswer(nps, { nps: '5', reason: 'x'.repeat(5001) }, { final: true, t: translator('fr'), locale: 'fr' });
    expect(fieldsOf(fr).reason).toBe(`Veuillez limiter votre réponse à ${(5000).toLocaleString('fr')} caractères.`);
  });

  it('preselects only a valid clicked score from the URL', () => {
    expect(scoreFrom(nps, '9')).toBe(9);
    expect(scoreFrom(nps, '11')).toBeUndefined();
    expect(scoreFrom(nps, ['9'])).toBeUndefined();
    expect(scoreFrom(nps, '9abc')).toBeUndefined();
  });
});

describe('answer schemas kept between requests', () => {
  it('checks each request by its own score band, language and final/partial rules, and by the questions as they are now', () => {
    const schemas = answerSchemaCache();
    const run = (questions: Question[], body: Record<string, unknown>, o: { final: boolean; lang?: 'en' | 'fr' }) =>
      parseAnswer(questions, body, { final: o.final, t: translator(o.lang ?? 'en'), locale: o.lang ?? 'en', schemas });
    // A low score shown its follow-up: required on Send, not on a partial save.
    expect(fieldsOf(() => run(survey, { sat: '1', _shown: 'help' }, { final: true }))).toEqual({
      help: 'Please answer this question.',
    });
    expect(run(survey, { sat: '1', _shown: 'help' }, { final: false }).patch).toEqual({
      sat: 1,
      help: null,
      again: null,
      plan: null,
      used: null,
    });
    // A high score does not require the low band's follow-up.
    expect(run(survey, { sat: '5', _shown: 'help' }, { final: true }).score).toBe(5);
    // Same question ids, stricter choices: the new rule applies, not the one kept for the old text.
    const renamed = survey.map((q) => (q.id === 'plan' ? { ...q, choices: ['Team'] } : q));
    expect(run(survey, { sat: '5', plan: 'Pro' }, { final: true }).patch.plan).toBe('Pro');
    expect(fieldsOf(() => run(renamed, { sat: '5', plan: 'Pro' }, { final: true }))).toHaveProperty('plan');
    // Messages in the respondent's language, even right after the same form in another.
    expect(fieldsOf(() => run(survey, { sat: '9' }, { final: true })).sat).toBe(
      translator('en')('scoreRange', { lo: 1, hi: 5 }),
    );
    expect(fieldsOf(() => run(survey, { sat: '9' }, { final: true, lang: 'fr' })).sat).toBe(
      translator('fr')('scoreRange', { lo: 1, hi: 5 }),
    );
  });
});
