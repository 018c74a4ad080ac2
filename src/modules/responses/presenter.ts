import { senderNamesWorkspace, translator, type MessageKey, type Translate } from '../../platform/i18n';
import type { OpenSurveyLink } from './responses.service';
import { bandOf, localize, primaryScale, scaleRange, type Question, type SurveyCopies } from '../surveys';
import { applies, bandFor, type Answers } from './answer.schema';

export type Option = {
  value: string;
  label: string;
  /** said after the label by screen readers, e.g. the scale's end labels */ hint?: string;
  band?: string;
};

export type ShownQuestion = {
  id: string;
  text: string;
  required: boolean;
  kind: 'scale' | 'radios' | 'checks' | 'text' | 'textarea';
  type: Question['type'];
  options: Option[];
  lowLabel?: string;
  highLabel?: string;
  bands?: string[];
  visible: boolean;
  isPrimary: boolean;
};

const END_LABELS: Partial<Record<Question['type'], [MessageKey, MessageKey]>> = {
  nps: ['npsLow', 'npsHigh'],
  ces: ['cesLow', 'cesHigh'],
  rating: ['ratingLow', 'ratingHigh'],
};
const CSAT: MessageKey[] = ['csat1', 'csat2', 'csat3', 'csat4', 'csat5'];

/** Scale end labels: the team's own words, else ours in the respondent's language. */
export function endLabels(q: Question, t: Translate): [string, string] | undefined {
  if (q.type === 'csat') return [t('csat1'), t('csat5')];
  const keys = END_LABELS[q.type];
  return keys ? [q.lowLabel || t(keys[0]), q.highLabel || t(keys[1])] : undefined;
}

export const csatLabel = (t: Translate, score: number) => t(CSAT[score - 1]!);

/** Values as the form shows them: stored answers, then the clicked score, or what a refused form sent. */
export type FormValues = Record<string, unknown>;

export const valuesFromAnswers = (answers: Answers | null): FormValues => ({ ...(answers ?? {}) });

export const isSelected = (values: FormValues, id: string, value: string) => {
  const v = values[id];
  return Array.isArray(v) ? v.map(String).includes(value) : v !== undefined && v !== null && String(v) === value;
};

/**
 * Everything the answer page needs to draw each question, in the respondent's language: `questions` already
 * carry their texts in it, and `choiceLabel` names each choice, whose value stays the one answers store.
 */
export function presentQuestions(
  questions: Question[],
  values: FormValues,
  t: Translate,
  choiceLabel: (questionId: string, choice: string) => string = (_q, c) => c,
): ShownQuestion[] {
  const primary = primaryScale(questions);
  const raw = primary ? Number(values[primary.id]) : NaN;
  const band = bandFor(questions, Number.isInteger(raw) && String(values[primary!.id]) !== '' ? raw : undefined);
  return questions.map((q) => {
    const base = {
      id: q.id,
      text: q.text,
      required: q.required,
      type: q.type,
      bands: q.showIf?.bands,
      visible: applies(q, band),
      isPrimary: q === primary,
    };
    switch (q.type) {
      case 'nps':
      case 'ces':
      case 'rating':
      case 'csat': {
        const [lo, hi] = scaleRange(q);
        const [low, high] = endLabels(q, t)!;
        const options: Option[] = [];
        for (let s = lo; s <= hi; s++) {
          const hint = q.type === 'csat' ? csatLabel(t, s) : s === lo ? low : s === hi ? high : undefined;
          options.push({ value: String(s), label: String(s), hint, band: bandOf(q, s) });
        }
        return { ...base, kind: 'scale' as const, options, lowLabel: low, highLabel: high };
      }
      case 'yes_no':
        return {
          ...base,
          kind: 'radios' as const,
          options: [
            { value: 'yes', label: t('yes') },
            { value: 'no', label: t('no') },
          ],
        };
      case 'single_choice':
      case 'multiple_choice':
        return {
          ...base,
          kind: q.type === 'single_choice' ? ('radios' as const) : ('checks' as const),
          options: (q.choices ?? []).map((c) => ({ value: c, label: choiceLabel(q.id, c) })),
        };
      case 'short_text':
        return { ...base, kind: 'text' as const, options: [] };
      default:
        return { ...base, kind: 'textarea' as const, options: [] };
    }
  });
}

/** The thank-you page's link back: only an absolute http(s) URL saved on the survey, never one from a request. */
export function safeBackLink(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

export type AnswerPageOptions = {
  values: FormValues;
  click?: { clickId: string; autoConfirm: boolean };
  status?: string;
  publicMode?: boolean;
};

/** Everything views/respond/answer.ejs draws from, for a delivery's link, a public link or a preview. */
export function answerLocals(link: OpenSurveyLink, o: AnswerPageOptions) {
  return {
    link,
    // "From Valeria at Acme", never "From Valeria at Acme at Acme Analytics".
    fromKey: senderNamesWorkspace(link.senderName, link.workspaceName) ? ('fromSender' as const) : ('from' as const),
    token: link.token,
    t: link.t,
    locale: link.locale,
    values: o.values,
    errors: {},
    status: o.status ?? '',
    action: o.publicMode ? `/r/p/${link.token}` : `/r/${link.token}`,
    // Partial saves and the auto-confirm need a link that holds one response: not a public link.
    saveAsYouGo: !o.publicMode,
    clickId: o.click?.clickId,
    autoConfirm: !!o.click?.autoConfirm,
    honeypot: o.publicMode ? undefined : `/r/${link.token}/h`,
    present: (values: FormValues) => presentQuestions(link.shown.questions, values, link.t, link.shown.choiceLabel),
    isSelected,
  };
}

export type SurveyDraft = {
  surveyId: string;
  workspaceId: string;
  title: string;
  intro: string;
  subject: string;
  translations: SurveyCopies;
  language: string;
  /** The language to draw it in (a translation, even an incomplete one: missing words show the default's). */
  previewLanguage?: string;
  version: number;
  questions: Question[];
  senderName: string;
  workspaceName: string;
  thankYouUrl: string | null;
  brandColor: string | null;
  logoSha256: string | null;
};

/**
 * The answer page for a survey the team is still editing: the same template and locals a respondent gets,
 * as if a link to it had been opened, with nothing that saves (no partial saves, no auto-confirm).
 */
export function previewLocals(d: SurveyDraft, values: FormValues) {
  const shown = localize(d, d.previewLanguage, { partial: true });
  const locale = shown.language;
  const link: OpenSurveyLink = {
    workspaceId: d.workspaceId,
    surveyId: d.surveyId,
    surveyVersion: d.version,
    surveyTitle: shown.subject,
    surveyIntro: shown.intro,
    surveySubject: d.subject,
    surveyTranslations: d.translations,
    surveyLanguage: d.language,
    closed: false,
    questions: d.questions,
    senderName: d.senderName,
    workspaceName: d.workspaceName,
    thankYouUrl: d.thankYouUrl,
    brandColor: d.brandColor,
    logoSha256: d.logoSha256,
    token: 'preview',
    locale,
    t: translator(locale),
    shown,
  };
  return { ...answerLocals(link, { values }), saveAsYouGo: false, honeypot: undefined, preview: true };
}
