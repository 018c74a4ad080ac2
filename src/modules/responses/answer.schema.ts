import { z } from 'zod';
import type { Locale, Translate } from '../../platform/i18n';
import { invalid } from '../../platform/errors';
import { bandOf, primaryScale, scaleRange, type Band, type Question } from '../surveys';

export const MAX_TEXT = 5000;
export const MAX_SHORT_TEXT = 500;

export type AnswerValue = number | string | string[];
export type Answers = Record<string, AnswerValue>;

/**
 * A question with showIf.bands is a follow-up: it applies only when the survey's first scale answer falls
 * in one of those bands. Without a score (or without a scale question) no follow-up applies.
 */
export function bandFor(questions: Question[], score: number | null | undefined): Band | undefined {
  const scale = primaryScale(questions);
  return scale && typeof score === 'number' ? bandOf(scale, score) : undefined;
}

export const applies = (q: Question, band: Band | undefined) =>
  !q.showIf?.bands?.length || (!!band && q.showIf.bands.includes(band));

function questionSchema(q: Question, t: Translate, locale: Locale, required: boolean): z.ZodType {
  let schema: z.ZodType;
  // A missing answer asks for one; a wrong one says what is allowed.
  const error = (iss: { input?: unknown }) => (iss.input === undefined ? t('answerThis') : t('chooseOption'));
  switch (q.type) {
    case 'nps':
    case 'csat':
    case 'ces':
    case 'rating': {
      const [lo, hi] = scaleRange(q);
      const range = t('scoreRange', { lo, hi });
      schema = z.coerce
        .number({ error: t('chooseScore') })
        .int(range)
        .min(lo, range)
        .max(hi, range);
      break;
    }
    case 'yes_no':
      schema = z.enum(['yes', 'no'], { error });
      break;
    case 'single_choice':
      schema = z.string({ error }).refine((v) => (q.choices ?? []).includes(v), t('chooseOption'));
      break;
    case 'multiple_choice':
      schema = z
        .array(
          z.string().refine((v) => (q.choices ?? []).includes(v), t('chooseOption')),
          { error },
        )
        .max(q.choices?.length ?? 0, t('chooseOption'))
        .transform((vs) => [...new Set(vs)])
        .refine((vs) => !required || vs.length > 0, t('answerThis'));
      break;
    default: {
      const max = q.type === 'short_text' ? MAX_SHORT_TEXT : MAX_TEXT;
      schema = z
        .string({ error })
        .trim()
        .max(max, t('tooLong', { max: max.toLocaleString(locale) }));
      if (required) schema = (schema as z.ZodString).min(1, t('answerThis'));
    }
  }
  return required ? schema : schema.optional();
}

/**
 * Answer schemas already built, by everything a schema depends on. Building one (and zod compiling its
 * object parser on first use) cost more than the rest of a POST's validation, and a survey's form is the
 * same for every respondent of a language. Bounded: cleared when full.
 */
export function answerSchemaCache(max = 256) {
  const built = new Map<string, z.ZodType>();
  return (key: string, build: () => z.ZodType) => {
    let schema = built.get(key);
    if (!schema) {
      if (built.size >= max) built.clear();
      schema = build();
      built.set(key, schema);
    }
    return schema;
  };
}
export type AnswerSchemaCache = ReturnType<typeof answerSchemaCache>;

/** A radio left unchecked sends nothing; an empty text box sends "". Both mean "no answer". */
export function readForm(questions: Question[], body: Record<string, unknown>) {
  const form: Record<string, unknown> = {};
  for (const q of questions) {
    const v = body[q.id];
    if (q.type === 'multiple_choice') {
      const list = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x) => x !== '');
      if (list.length) form[q.id] = list.map(String);
    } else if (v !== undefined && v !== '') {
      form[q.id] = Array.isArray(v) ? v[v.length - 1] : v;
    }
  }
  return form;
}

export type ParsedAnswer = {
  /** What to write: every question the form showed, null where it is now unanswered. */
  patch: Record<string, AnswerValue | null>;
  /** Follow-ups that no longer apply to the new score: their old answers are dropped. */
  drop: string[];
  score: number | null;
  /** Follow-ups that apply to the new score but were not on the form yet (the no-JS second step). */
  unasked: string[];
};

/**
 * Checks a submitted form against the exact questions of the survey version. Anything out of range, not
 * among the choices or too long is refused whole (nothing stored). A final "Send" also requires the
 * required questions it showed; a partial save (as the respondent goes) requires nothing.
 *
 * `shown` are the follow-ups the form displayed; questions without showIf are always on the form.
 */
export function parseAnswer(
  questions: Question[],
  body: Record<string, unknown>,
  opts: { final: boolean; t: Translate; locale: Locale; schemas?: AnswerSchemaCache },
): ParsedAnswer {
  const form = readForm(questions, body);
  const scale = primaryScale(questions);
  const rawShown = body._shown;
  const shownIds = new Set(
    (Array.isArray(rawShown) ? rawShown : [rawShown]).filter((x): x is string => typeof x === 'string'),
  );
  const onForm = questions.filter((q) => !q.showIf?.bands?.length || shownIds.has(q.id));

  // The score decides which follow-ups apply, so read it first (its own range check comes with the rest).
  const scoreRaw = scale ? Number(form[scale.id]) : NaN;
  const band = bandFor(questions, Number.isInteger(scoreRaw) ? scoreRaw : undefined);

  const build = () => {
    const shape: Record<string, z.ZodType> = {};
    for (const q of onForm)
      shape[q.id] = questionSchema(q, opts.t, opts.locale, opts.final && q.required && applies(q, band));
    return z.object(shape);
  };
  // The questions themselves are part of the key: a draft's version can still change under the same number.
  const key = JSON.stringify([opts.locale, opts.final, band ?? null, onForm.map((q) => q.id), questions]);
  const schema = opts.schemas ? opts.schemas(key, build) : build();
  const result = schema.safeParse(
    Object.fromEntries(onForm.filter((q) => q.id in form).map((q) => [q.id, form[q.id]])),
  );
  if (!result.success) {
    const fields: Record<string, string> = {};
    for (const issue of result.error.issues) fields[String(issue.path[0] ?? '_')] ??= issue.message;
    throw invalid(opts.t('checkAnswer'), fields);
  }
  const answers = result.data as Record<string, AnswerValue | undefined>;
  const patch: ParsedAnswer['patch'] = {};
  for (const q of onForm) patch[q.id] = answers[q.id] ?? null;
  const score = scale && typeof answers[scale.id] === 'number' ? (answers[scale.id] as number) : null;
  const finalBand = bandFor(questions, score);
  const drop = questions.filter((q) => !applies(q, finalBand)).map((q) => q.id);
  for (const id of drop) delete patch[id];
  const unasked = questions
    .filter((q) => q.showIf?.bands?.length && applies(q, finalBand) && !shownIds.has(q.id))
    .map((q) => q.id);
  return { patch, drop, score, unasked };
}

/** The score clicked in the email, if it is one of the first scale question's values: only preselected. */
export function scoreFrom(questions: Question[], raw: unknown): number | undefined {
  const q = primaryScale(questions);
  if (!q || typeof raw !== 'string' || !/^\d{1,2}$/.test(raw)) return undefined;
  const [lo, hi] = scaleRange(q);
  const n = Number(raw);
  return n >= lo && n <= hi ? n : undefined;
}
