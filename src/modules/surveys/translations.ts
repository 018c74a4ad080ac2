import { isScale, type Question, type QuestionTranslation } from './questions';

/**
 * A survey in several languages. The default language's words are the survey's own fields (title/subject,
 * intro, each question's text, labels and choices); every other language is a translation of them.
 *
 * A translation is served only when it is complete: a respondent reads one language, never French questions
 * under an English intro. Until then its contacts get the default language, and the builder lists what is
 * missing. Choices keep their default-language value in answers (the translation is only the label shown), so
 * dashboards and exports count one choice whatever the language it was read in.
 */
export const LANGUAGES = ['en', 'fr', 'de', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
  es: 'Español',
};

/** The subject and intro line of one language other than the default (stored as `surveys.translations`). */
export type SurveyCopy = { subject?: string; intro?: string };
export type SurveyCopies = Partial<Record<Language, SurveyCopy>>;

/** What choosing and applying a language needs of a survey (and of one of its versions). */
export type Translatable = {
  title: string;
  subject: string;
  intro: string;
  language: string;
  translations: SurveyCopies;
  questions: Question[];
};

const isLanguage = (v: unknown): v is Language => (LANGUAGES as readonly unknown[]).includes(v);
const filled = (v: string | undefined): v is string => !!v && v.trim() !== '';

/** The words of one language that a translation still lacks, in the order the builder shows them. */
export function missingTexts(s: Translatable, lang: Language): string[] {
  const copy = s.translations[lang] ?? {};
  const missing: string[] = [];
  if (!filled(copy.subject)) missing.push('Email subject');
  if (filled(s.intro) && !filled(copy.intro)) missing.push('Intro line');
  s.questions.forEach((q, i) => {
    const tr: QuestionTranslation = q.translations?.[lang] ?? {};
    const n = i + 1;
    if (!filled(tr.text)) missing.push(`Question ${n} text`);
    if (isScale(q) && filled(q.lowLabel) && !filled(tr.lowLabel)) missing.push(`Question ${n} low end label`);
    if (isScale(q) && filled(q.highLabel) && !filled(tr.highLabel)) missing.push(`Question ${n} high end label`);
    for (const c of q.choices ?? []) if (!filled(tr.choices?.[c])) missing.push(`Question ${n} choice “${c}”`);
  });
  return missing;
}

/** Each language other than the default, with what it lacks ([] when complete; everything when not started). */
export function translationStatus(s: Translatable) {
  return LANGUAGES.filter((l) => l !== s.language).map((code) => {
    const missing = missingTexts(s, code);
    const started =
      Object.values(s.translations[code] ?? {}).some(filled) || s.questions.some((q) => !!q.translations?.[code]);
    return { code, name: LANGUAGE_NAMES[code], missing, complete: missing.length === 0, started };
  });
}

/**
 * The language a contact gets: their own locale's ("fr-CA" → fr) when the survey is written in it or has a
 * complete translation into it, else the survey's default language.
 */
export function servedLanguage(s: Translatable, contactLocale: string | null | undefined): Language {
  const fallback: Language = isLanguage(s.language) ? s.language : 'en';
  const wanted = contactLocale?.toLowerCase().split(/[-_]/)[0];
  if (!isLanguage(wanted) || wanted === fallback) return fallback;
  return missingTexts(s, wanted).length === 0 ? wanted : fallback;
}

/** A survey's words in one language, ready to show: the questions keep their ids, types and choice values. */
export type Localized = {
  language: Language;
  /** The email's subject and the respondent page's heading. */
  subject: string;
  intro: string;
  /** Texts and scale labels in the language; `choices` stay the default-language values answers store. */
  questions: Question[];
  /** The label shown for a choice value of a question. */
  choiceLabel: (questionId: string, choice: string) => string;
};

/**
 * The survey as the contact with this locale reads it (see servedLanguage). `partial` is for the builder's
 * preview of a translation in progress: its language is drawn even incomplete, each missing word being the
 * default's (a contact never gets that: an incomplete language is not served).
 */
export function localize(
  s: Translatable,
  contactLocale: string | null | undefined,
  o: { partial?: boolean } = {},
): Localized {
  const wanted = contactLocale?.toLowerCase().split(/[-_]/)[0];
  const language = o.partial && isLanguage(wanted) ? wanted : servedLanguage(s, contactLocale);
  const own = (q: Question): Question => {
    const { translations: _t, ...rest } = q;
    return rest;
  };
  const defaultSubject = s.subject.trim() || s.title;
  if (language === s.language) {
    return {
      language,
      subject: defaultSubject,
      intro: s.intro,
      questions: s.questions.map(own),
      choiceLabel: (_q, c) => c,
    };
  }
  const copy = s.translations[language] ?? {};
  const words = new Map(s.questions.map((q) => [q.id, q.translations?.[language] ?? {}]));
  const or = (v: string | undefined, fallback: string) => (filled(v) ? v.trim() : fallback);
  return {
    language,
    subject: or(copy.subject, defaultSubject),
    intro: filled(s.intro) ? or(copy.intro, s.intro) : '',
    questions: s.questions.map((q) => {
      const tr = words.get(q.id)!;
      const out = { ...own(q), text: or(tr.text, q.text) };
      if (q.lowLabel) out.lowLabel = or(tr.lowLabel, q.lowLabel);
      if (q.highLabel) out.highLabel = or(tr.highLabel, q.highLabel);
      return out;
    }),
    choiceLabel: (qid, c) => or(words.get(qid)?.choices?.[c], c),
  };
}
