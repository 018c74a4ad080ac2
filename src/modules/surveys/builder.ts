import { z } from 'zod';
import { allValues, nestedFields, textField as text } from '../../platform/forms';
import { QUESTION_TYPES, type Band, type Question, type QuestionTranslation, type QuestionType } from './questions';
import { LANGUAGES, type Language, type SurveyCopies } from './translations';

/**
 * The builder works without JavaScript: the whole draft travels in one form, and the add / move / remove
 * buttons post it back to be re-rendered with the change applied. Nothing is saved until "Save".
 * Field names follow the zod paths (questions.0.text) so each error lands next to its field.
 */
export type DraftQuestion = {
  id: string;
  type: string;
  text: string;
  required: boolean;
  lowLabel?: string;
  highLabel?: string;
  choices?: string[];
  showIf?: { bands: string[] };
  translations?: Partial<Record<Language, QuestionTranslation>>;
};

export type DraftForm = {
  title: string;
  intro: string;
  subject: string;
  translations: SurveyCopies;
  language: string;
  senderUserId: string;
  closesAt: string;
  thankYouUrl: string;
  publicLinkEnabled: boolean;
  questions: DraftQuestion[];
};

export const TYPE_LABELS: Record<QuestionType, string> = {
  nps: 'NPS (0–10)',
  csat: 'CSAT (1–5)',
  ces: 'Customer effort (1–7)',
  rating: 'Rating (1–5)',
  yes_no: 'Yes / no',
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
  short_text: 'Short text',
  long_text: 'Long text',
};

export const BAND_LABELS: Record<Band, string> = {
  detractor: 'Detractors (0–6)',
  passive: 'Passives (7–8)',
  promoter: 'Promoters (9–10)',
  low: 'Low scores',
  high: 'High scores',
};

const NEW_TEXT: Record<QuestionType, string> = {
  nps: 'How likely are you to recommend us to a friend or colleague?',
  csat: 'How satisfied are you with us?',
  ces: 'How easy was it to get what you needed?',
  rating: 'How would you rate us?',
  yes_no: 'Did we solve your problem?',
  single_choice: 'Which one fits best?',
  multiple_choice: 'Which of these apply?',
  short_text: 'Anything to add?',
  long_text: 'What could we do better?',
};

/**
 * One question's words in another language as the form sends them (`questions.N.fr.text`, `questions.N.fr.choices.M`
 * with `questions.N.fr.choiceOf.M`, the default choice that input was drawn for: a choice renamed or moved in the
 * same post keeps no stale translation).
 */
const draftTranslationSchema = z
  .object({
    text,
    lowLabel: text,
    highLabel: text,
    choices: z.array(text).catch([]),
    choiceOf: z.array(text).catch([]),
  })
  .transform(({ choices, choiceOf, ...t }): QuestionTranslation => {
    const pairs = choiceOf.flatMap((of, i) => (of && choices[i] ? [[of, choices[i]]] : []));
    return { ...t, choices: Object.fromEntries(pairs) as Record<string, string> };
  });

/** One question of the draft as the form sends it (`questions.N.text` …); only those with a type are kept. */
const draftQuestionSchema = z
  .object({
    id: text,
    type: text,
    text,
    required: text.transform((v) => v === 'on'),
    lowLabel: text.optional(),
    highLabel: text.optional(),
    choices: text
      .transform((v) =>
        v
          .split(/\r?\n/)
          .map((c) => c.trim())
          .filter(Boolean),
      )
      .optional(),
    showIf: z.object({ bands: z.unknown().transform(allValues) }).optional(),
    en: draftTranslationSchema.optional().catch(undefined),
    fr: draftTranslationSchema.optional().catch(undefined),
    de: draftTranslationSchema.optional().catch(undefined),
    es: draftTranslationSchema.optional().catch(undefined),
  })
  .transform(({ showIf, en, fr, de, es, ...q }): DraftQuestion => {
    const given = { en, fr, de, es };
    const translations = Object.fromEntries(LANGUAGES.flatMap((l) => (given[l] ? [[l, given[l]]] : [])));
    return {
      ...q,
      ...(showIf?.bands.length && { showIf }),
      ...(Object.keys(translations).length && { translations }),
    };
  });

/** Subject and intro per other language (`translations.fr.subject`), as typed. */
const draftCopies = z
  .unknown()
  .optional()
  .transform((raw): SurveyCopies => {
    const out: SurveyCopies = {};
    if (!raw || typeof raw !== 'object') return out;
    for (const l of LANGUAGES) {
      const c = (raw as Record<string, unknown>)[l];
      if (!c || typeof c !== 'object') continue;
      const { subject, intro } = c as Record<string, unknown>;
      out[l] = { subject: text.parse(subject), intro: text.parse(intro) };
    }
    return out;
  });

const hasType = (q: unknown): boolean => !!q && typeof q === 'object' && 'type' in q;

/**
 * The builder's whole form: the draft as typed (nothing refused here: checking the draft is what Save does) and
 * the button pressed.
 */
export const builderFormSchema = z
  .preprocess(
    nestedFields,
    z.object({
      title: text,
      intro: text,
      subject: text,
      translations: draftCopies,
      language: text.transform((v) => v || 'en'),
      senderUserId: text,
      closesAt: text,
      thankYouUrl: text,
      publicLinkEnabled: text.transform((v) => v === 'on'),
      questions: z
        .array(z.unknown())
        .catch([])
        .transform((qs) => qs.filter(hasType))
        .pipe(z.array(draftQuestionSchema)),
      action: text,
      addType: text,
    }),
  )
  .transform(({ action, addType, ...form }): { form: DraftForm; action: BuilderAction } => ({
    form,
    action: toAction(action, addType),
  }));

export function toDraftForm(s: {
  title: string;
  intro: string;
  subject: string;
  translations: SurveyCopies;
  language: string;
  senderUserId: string | null;
  closesAt: Date | null;
  thankYouUrl: string | null;
  publicLinkEnabled: boolean;
  questions: Question[];
}): DraftForm {
  return {
    title: s.title,
    intro: s.intro,
    subject: s.subject,
    translations: s.translations,
    language: s.language,
    senderUserId: s.senderUserId ?? '',
    closesAt: s.closesAt ? new Date(s.closesAt).toISOString().slice(0, 16) : '',
    thankYouUrl: s.thankYouUrl ?? '',
    publicLinkEnabled: s.publicLinkEnabled,
    questions: s.questions.map((q) => ({ ...q, showIf: q.showIf ? { bands: [...q.showIf.bands] } : undefined })),
  };
}

export type BuilderAction =
  | { kind: 'save' }
  | { kind: 'preview' }
  | { kind: 'add'; type: QuestionType }
  | { kind: 'up' | 'down' | 'remove'; index: number };

function toAction(raw: string, addType: string): BuilderAction {
  const m = /^(up|down|remove)\.(\d{1,2})$/.exec(raw);
  if (m) return { kind: m[1] as 'up' | 'down' | 'remove', index: Number(m[2]) };
  if (raw === 'add') {
    const type = addType as QuestionType;
    return { kind: 'add', type: (QUESTION_TYPES as readonly string[]).includes(type) ? type : 'long_text' };
  }
  return raw === 'preview' ? { kind: 'preview' } : { kind: 'save' };
}

/** Applies add / move / remove to the draft's questions; returns a new list. */
export function applyAction(questions: DraftQuestion[], action: BuilderAction): DraftQuestion[] {
  const qs = [...questions];
  if (action.kind === 'add') {
    const q: DraftQuestion = {
      id: freshId(qs, action.type),
      type: action.type,
      text: NEW_TEXT[action.type],
      required: false,
    };
    if (action.type === 'single_choice' || action.type === 'multiple_choice') q.choices = ['', ''];
    qs.push(q);
  } else if (action.kind === 'remove') {
    qs.splice(action.index, 1);
  } else if (action.kind === 'up' || action.kind === 'down') {
    const j = action.kind === 'up' ? action.index - 1 : action.index + 1;
    if (action.index < qs.length && j >= 0 && j < qs.length) [qs[action.index], qs[j]] = [qs[j]!, qs[action.index]!];
  }
  return qs;
}

function freshId(qs: DraftQuestion[], type: string) {
  const taken = new Set(qs.map((q) => q.id));
  const base = type.replace(/_text$/, '').replace(/_choice$/, '');
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}_${n}`)) n++;
  return `${base}_${n}`;
}
