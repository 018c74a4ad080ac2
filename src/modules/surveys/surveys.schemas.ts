import { z } from 'zod';
import { BANDS, QUESTION_TYPES, isScale, type Band, type Question } from './questions';

export const LANGUAGES = ['en', 'fr', 'de', 'es'] as const;
export const LANGUAGE_NAMES: Record<(typeof LANGUAGES)[number], string> = {
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
  es: 'Español',
};

const CHOICE_TYPES = new Set(['single_choice', 'multiple_choice']);
const NPS_BANDS: Band[] = ['detractor', 'passive', 'promoter'];

const optionalLabel = z
  .string()
  .trim()
  .max(60, 'Use at most 60 characters for a label.')
  .transform((v) => v || undefined)
  .optional();

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
    return out;
  });

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
