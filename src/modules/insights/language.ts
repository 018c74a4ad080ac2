/**
 * PostgreSQL's full-text search configuration and stemming dictionary (with its stop words) for a survey's
 * language; any other language searches and counts words as written ('simple', no stop words).
 */
const CONFIGS: Record<string, { config: string; dictionary: string }> = {
  en: { config: 'english', dictionary: 'english_stem' },
  fr: { config: 'french', dictionary: 'french_stem' },
  de: { config: 'german', dictionary: 'german_stem' },
  es: { config: 'spanish', dictionary: 'spanish_stem' },
};

export const textSearchFor = (language: string) => CONFIGS[language] ?? { config: 'simple', dictionary: 'simple' };
