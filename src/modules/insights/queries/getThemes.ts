import type { Db } from '../../../platform/db';
import { responsesInScope, type Scope } from '../scope';

export type Theme = { kind: 'term' | 'phrase'; label: string; n: number };

/**
 * The most frequent themes of one open question: words and two-word phrases, with the stop words of the
 * survey's language removed and words grouped by their stem (so "delivery" and "deliveries" are one theme,
 * shown as the form people wrote most), counted once per answer. Phrases are two neighbouring words that
 * are both kept; a stop word between them breaks the phrase, as in the full-text search a theme links to.
 *
 * Computed over the `sample` most recent answers in scope (an exact count of the period whenever it has no
 * more than that); the page says so when there were more.
 */
export function getThemes(
  db: Db,
  scope: Scope,
  o: { questionId: string; versions: number[]; dictionary: string; sample: number; top: number },
) {
  const raw = responsesInScope(scope);
  return db.query<Theme>(
    `WITH sample AS (
       SELECT r.id, r.answers ->> :questionId AS body
       ${raw.sql}
       WHERE ${raw.where} AND r.survey_version IN (:textVersions) AND coalesce(btrim(r.answers ->> :questionId), '') <> ''
       ORDER BY r.submitted_at DESC, r.id DESC LIMIT :sample
     ),
     words AS (
       SELECT s.id, w.pos, w.word, (ts_lexize(:dictionary::regdictionary, w.word))[1] AS stem
       FROM sample s CROSS JOIN LATERAL regexp_split_to_table(lower(s.body), '[^[:alpha:]]+') WITH ORDINALITY AS w(word, pos)
       WHERE length(w.word) BETWEEN 2 AND 40
     ),
     terms AS (
       SELECT 'term'::text AS kind, mode() WITHIN GROUP (ORDER BY word) AS label, count(DISTINCT id) AS n
       FROM words WHERE stem IS NOT NULL GROUP BY stem
     ),
     phrases AS (
       SELECT 'phrase'::text AS kind, mode() WITHIN GROUP (ORDER BY a.word || ' ' || b.word) AS label, count(DISTINCT a.id) AS n
       FROM words a JOIN words b ON b.id = a.id AND b.pos = a.pos + 1
       WHERE a.stem IS NOT NULL AND b.stem IS NOT NULL GROUP BY a.stem, b.stem
     )
     (SELECT kind, label, n FROM terms WHERE n >= 2 ORDER BY n DESC, label LIMIT :top)
     UNION ALL
     (SELECT kind, label, n FROM phrases WHERE n >= 2 ORDER BY n DESC, label LIMIT :top)`,
    {
      ...raw.replacements,
      questionId: o.questionId,
      textVersions: o.versions.length ? o.versions : [-1],
      dictionary: o.dictionary,
      sample: o.sample,
      top: o.top,
    },
  );
}
