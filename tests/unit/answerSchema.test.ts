import { answerSchema, readForm, scoreFrom } from '../../src/modules/responses/answer.schema';
import { TEMPLATES } from '../../src/modules/surveys/templates';

const questions = TEMPLATES[0]!.questions;

describe('the answer form', () => {
  it('accepts 0–10 and an optional comment', () => {
    expect(answerSchema(questions).parse(readForm(questions, { nps: '0', reason: '' }))).toEqual({ nps: 0 });
    expect(answerSchema(questions).parse(readForm(questions, { nps: '10', reason: ' ok ' }))).toEqual({ nps: 10, reason: 'ok' });
  });

  it('refuses scores outside the scale, fractions and a missing required score', () => {
    for (const nps of ['11', '-1', '4.5', 'x']) expect(answerSchema(questions).safeParse(readForm(questions, { nps })).success).toBe(false);
    expect(answerSchema(questions).safeParse(readForm(questions, {})).success).toBe(false);
  });

  it('preselects only a valid clicked score from the URL', () => {
    expect(scoreFrom(questions, '9')).toBe(9);
    expect(scoreFrom(questions, '11')).toBeUndefined();
    expect(scoreFrom(questions, ['9'])).toBeUndefined();
    expect(scoreFrom(questions, '9abc')).toBeUndefined();
  });
});
