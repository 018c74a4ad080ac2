import { z } from 'zod';
import { BANDS, QUESTION_TYPES, isScale, type Band, type Question, type QuestionTranslation } from './questions';
import { LANGUAGES, LANGUAGE_NAMES, type Language, type SurveyCopies } from './translations';

export { LANGUAGES, LANGUAGE_NAMES };

const CHOICE_TYPES = new Set(['single_choice', 'multiple_choice']);
const NPS_BANDS: Band[] = ['detractor', 'passive', 'promoter'];

const optionalLabel = z
  .string()
  .trim()
  .max(60, 'Use at most 60 characters for a label.')
  .transform((v) => v || undefined)
  .optional();

const optionalText = (max: number, what: string) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters for ${what}.`)
    .transform((v) => v || undefined)
    .optional();

/** One question's words in another language; blanks are left out (they are what the builder lists as missing). */
const questionTranslationSchema = z.object({
  text: optionalText(300, 'a question'),
  lowLabel: optionalLabel,
  highLabel: optionalLabel,
  choices: z.record(z.string(), optionalText(100, 'a choice')).optional(),
});

/** One question as the builder saves it. Extra rules that need the whole survey live in surveyQuestionsSchema. */
export const questionSchema = z
  .object({
    id: z
      .string()
      .trim()
      .min(1, 'Give the question an answer key.')
      .max(40, 'Use at most 40 characters for the answer key.')
      .regex(/^[a-z][a-z0-9_]*$/, 'Use lower-case letters, digits and _ for the answer key, starting with a letter.'),
    type: z.enum(QUESTION_TYPES, { error: 'Choose a question type.' }),
    text: z.string().trim().min(1, 'Write the question.').max(300, 'Use at most 300 characters for a question.'),
    required: z.boolean(),
    lowLabel: optionalLabel,
    highLabel: optionalLabel,
    choices: z.array(z.string().trim().max(100, 'Use at most 100 characters per choice.')).optional(),
    showIf: z.object({ bands: z.array(z.enum(BANDS)) }).optional(),
    translations: z.partialRecord(z.enum(LANGUAGES), questionTranslationSchema).optional(),
  })
  .superRefine((q, ctx) => {
    if (CHOICE_TYPES.has(q.type)) {
      const distinct = new Set((q.choices ?? []).filter(Boolean).map((c) => c.toLowerCase()));
      if (distinct.size < 2)
        ctx.addIssue({
          code: 'custom',
          path: ['choices'],
          message: 'Give at least two different choices, one per line.',
        });
      else if (distinct.size !== (q.choices ?? []).filter(Boolean).length) {
        ctx.addIssue({ code: 'custom', path: ['choices'], message: 'Each choice must be different.' });
      }
    }
  })
  .transform((q): Question => {
    const out: Question = { id: q.id, type: q.type, text: q.text, required: q.required };
    if (isScale(out)) {
      if (q.lowLabel) out.lowLabel = q.lowLabel;
      if (q.highLabel) out.highLabel = q.highLabel;
    }
    if (CHOICE_TYPES.has(q.type)) out.choices = (q.choices ?? []).filter(Boolean);
    if (q.showIf?.bands.length) out.showIf = { bands: q.showIf.bands };
    const translations = translationsOf(out, q.translations ?? {});
    if (translations) out.translations = translations;
    return out;
  });

/**
 * Keeps what can be shown: labels only for a scale that has its own, choices only for choices the question
 * still has (a renamed choice's old translation goes, and shows as missing), no empty language.
 */
function translationsOf(q: Question, given: Partial<Record<Language, z.output<typeof questionTranslationSchema>>>) {
  const out: Partial<Record<Language, QuestionTranslation>> = {};
  for (const lang of LANGUAGES) {
    const g = given[lang];
    if (!g) continue;
    const tr: QuestionTranslation = {};
    if (g.text) tr.text = g.text;
    if (q.lowLabel && g.lowLabel) tr.lowLabel = g.lowLabel;
    if (q.highLabel && g.highLabel) tr.highLabel = g.highLabel;
    const choices = Object.fromEntries((q.choices ?? []).flatMap((c) => (g.choices?.[c] ? [[c, g.choices[c]]] : [])));
    if (Object.keys(choices).length) tr.choices = choices;
    if (Object.keys(tr).length) out[lang] = tr;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The whole list: at least one question, unique ids, conditions that can actually be met. */
export const surveyQuestionsSchema = z
  .array(questionSchema)
  .min(1, 'Add at least one question.')
  .max(30, 'A pulse survey should stay short: at most 30 questions.')
  .superRefine((questions, ctx) => {
    const seen = new Set<string>();
    const primary = questions.find(isScale);
    questions.forEach((q, i) => {
      if (seen.has(q.id))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'id'],
          message: `Another question already uses the answer key "${q.id}".`,
        });
      seen.add(q.id);
      if (!q.showIf) return;
      if (!primary) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'showIf', 'bands'],
          message: 'A condition needs a score question (NPS, CSAT, CES or rating) first.',
        });
      } else if (q === primary) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'showIf', 'bands'],
          message: 'The score question itself cannot be conditional.',
        });
      } else {
        const allowed = primary.type === 'nps' ? NPS_BANDS : (['low', 'high'] as Band[]);
        if (q.showIf.bands.some((b) => !allowed.includes(b))) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'showIf', 'bands'],
            message: `With a ${primary.type.toUpperCase()} score, choose from: ${allowed.join(', ')}.`,
          });
        }
      }
    });
  });

const httpUrl = z
  .string()
  .trim()
  .max(500, 'Use at most 500 characters for the link.')
  .refine((v) => {
    if (!v) return true;
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname;
    } catch {
      return false;
    }
  }, 'Enter a web address starting with https:// or http://.')
  .transform((v) => v || null);

export const surveySettingsSchema = z.object({
  title: z.string().trim().min(1, 'Give the survey a title.').max(200, 'Use at most 200 characters for the title.'),
  intro: z.string().trim().max(500, 'Use at most 500 characters for the intro.').default(''),
  subject: z.string().trim().max(200, 'Use at most 200 characters for the subject.').default(''),
  translations: z
    .partialRecord(
      z.enum(LANGUAGES),
      z.object({ subject: optionalText(200, 'the subject'), intro: optionalText(500, 'the intro') }),
    )
    .default({})
    .transform((copies): SurveyCopies => {
      const out: SurveyCopies = {};
      for (const lang of LANGUAGES) {
        const c = copies[lang];
        if (c?.subject || c?.intro)
          out[lang] = { ...(c.subject && { subject: c.subject }), ...(c.intro && { intro: c.intro }) };
      }
      return out;
    }),
  language: z.enum(LANGUAGES, { error: 'Choose English, French, German or Spanish.' }),
  senderUserId: z
    .string()
    .trim()
    .transform((v) => v || null)
    .pipe(z.uuid('Choose a teammate or the workspace.').nullable()),
  // datetime-local sends "2026-12-01T09:30": read as UTC, which the form says.
  closesAt: z
    .string()
    .trim()
    .transform((v, ctx) => {
      if (!v) return null;
      const d = new Date(/Z$|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
      if (Number.isNaN(d.getTime())) {
        ctx.addIssue({ code: 'custom', message: 'Enter a date and time, or leave empty to keep the survey open.' });
        return z.NEVER;
      }
      return d;
    }),
  thankYouUrl: httpUrl,
  publicLinkEnabled: z.boolean(),
});

export const surveyDraftSchema = surveySettingsSchema.extend({ questions: surveyQuestionsSchema });
export type SurveyDraft = z.infer<typeof surveyDraftSchema>;
export type SurveySettings = z.infer<typeof surveySettingsSchema>;

export const createSurveySchema = z.object({
  template: z.string({ error: 'Choose a template.' }).min(1, 'Choose a template.'),
  title: z.string().trim().max(200, 'Use at most 200 characters for the title.').optional(),
  topic: z.string().trim().max(120, 'Use at most 120 characters for the topic.').optional(),
});
