/**
 * The shape of a survey's questions, stored as JSON on each survey version. A response keeps the version it
 * was answered on, so these texts and scales never change under an answer.
 */
export const QUESTION_TYPES = [
  'nps',
  'csat',
  'ces',
  'rating',
  'yes_no',
  'single_choice',
  'multiple_choice',
  'short_text',
  'long_text',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** Score bands a follow-up question can be shown for: NPS bands, or low/high for the other scales. */
export const BANDS = ['detractor', 'passive', 'promoter', 'low', 'high'] as const;
export type Band = (typeof BANDS)[number];

export type Question = {
  /** Stable within a survey; the form field name and the key in responses.answers. */
  id: string;
  type: QuestionType;
  text: string;
  required: boolean;
  /** Labels under the ends of a scale, e.g. "Not at all likely" / "Extremely likely". */
  lowLabel?: string;
  highLabel?: string;
  /** For single_choice / multiple_choice: two or more distinct labels. */
  choices?: string[];
  /** Show only when the survey's first scale answer falls in one of these bands. */
  showIf?: { bands: Band[] };
  /**
   * The same question in the survey's other languages (see translations.ts). Kept inside the question so a
   * version freezes its translations with its texts: an answer keeps the exact words its respondent was shown.
   */
  translations?: Partial<Record<'en' | 'fr' | 'de' | 'es', QuestionTranslation>>;
};

/** One question's words in one language. Choices are keyed by the default-language choice they translate. */
export type QuestionTranslation = {
  text?: string;
  lowLabel?: string;
  highLabel?: string;
  choices?: Record<string, string>;
};

const RANGES: Partial<Record<QuestionType, [number, number]>> = {
  nps: [0, 10],
  csat: [1, 5],
  ces: [1, 7],
  rating: [1, 5],
};

export const isScale = (q: Question) => q.type in RANGES;

export const scaleRange = (q: Question): [number, number] => {
  const range = RANGES[q.type];
  if (!range) throw new Error(`${q.type} is not a scale`);
  return range;
};

/** The question whose answer is the response's score: the one the email shows as one-click links. */
export const primaryScale = (questions: Question[]) => questions.find(isScale);

/** NPS bands: 0–6 detractor, 7–8 passive, 9–10 promoter. */
export const NPS_PASSIVE_FROM = 7;
export const NPS_PROMOTER_FROM = 9;

/**
 * Which band a score falls in. NPS: see NPS_PASSIVE_FROM and NPS_PROMOTER_FROM. Other scales: the lower half is
 * "low", the top values "high" (CSAT 4–5, CES 5–7, rating 4–5). Its twin in SQL is `rapport_score_band`
 * (migrations/20261126300000-audience.ts, used by triggers); tests/integration/scoreBand.test.ts checks that both
 * agree on every scale and score.
 */
export function bandOf(q: Question, score: number): Band {
  if (q.type === 'nps')
    return score >= NPS_PROMOTER_FROM ? 'promoter' : score >= NPS_PASSIVE_FROM ? 'passive' : 'detractor';
  const [lo, hi] = scaleRange(q);
  return score > lo + (hi - lo) / 2 ? 'high' : 'low';
}
