import { z } from 'zod';
import { primaryScale, scaleRange, type Question } from '../surveys';

export const MAX_TEXT = 5000;

/**
 * The answer form, checked against the exact questions of the version the respondent was invited to.
 * An out-of-range score or an over-long comment is refused whole, with a message.
 */
export function answerSchema(questions: Question[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const q of questions) {
    if (q.type === 'nps') {
      const [lo, hi] = scaleRange(q);
      const score = z.coerce
        .number({ error: 'Choose a score.' })
        .int('Choose one of the scores shown.')
        .min(lo, `Choose a score from ${lo} to ${hi}.`)
        .max(hi, `Choose a score from ${lo} to ${hi}.`);
      shape[q.id] = q.required ? score : score.optional();
    } else {
      const text = z.string().trim().max(MAX_TEXT, `Please keep your answer under ${MAX_TEXT.toLocaleString('en')} characters.`);
      shape[q.id] = q.required ? text.min(1, 'Please answer this question.') : text.optional();
    }
  }
  return z.object(shape);
}

/** A radio left unchecked sends nothing; an empty text box sends "". Both mean "no answer". */
export function readForm(questions: Question[], body: Record<string, unknown>) {
  const form: Record<string, unknown> = {};
  for (const q of questions) {
    const v = body[q.id];
    if (v !== undefined && v !== '') form[q.id] = Array.isArray(v) ? v[v.length - 1] : v;
  }
  return form;
}

export function scoreFrom(questions: Question[], raw: unknown): number | undefined {
  const q = primaryScale(questions);
  if (!q || typeof raw !== 'string' || !/^\d{1,2}$/.test(raw)) return undefined;
  const [lo, hi] = scaleRange(q);
  const n = Number(raw);
  return n >= lo && n <= hi ? n : undefined;
}
