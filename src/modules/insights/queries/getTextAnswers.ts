import type { Db } from '../../../platform/db';
import { responsesInScope, type Scope } from '../scope';

export type TextAnswer = {
  id: string;
  submittedAt: Date;
  cursorAt: string;
  version: number;
  score: number | null;
  body: string;
  contactName: string | null;
  contactEmail: string | null;
};

/**
 * One open question's answers, newest first, keyset-paged, optionally matching a full-text search in the
 * survey's language (websearch syntax: words, "a phrase", -not).
 *
 * The search reads at most `window` answers back from the cursor (newest first, by the keyset index) and
 * matches within them, so every page costs the same however large the survey; `scanned` says how many were
 * read, and the page says when older answers were left for the next page. An index over every answer's
 * text would be faster still but would cost each respondent's POST its upkeep.
 */
export async function getTextAnswers(
  db: Db,
  scope: Scope,
  o: {
    questionId: string;
    versions: number[];
    config: string;
    q?: string;
    after?: { at: string; id: string };
    limit: number;
    window: number;
  },
) {
  const raw = responsesInScope(scope);
  const replacements = {
    ...raw.replacements,
    questionId: o.questionId,
    textVersions: o.versions.length ? o.versions : [-1],
    config: o.config,
    q: o.q ?? null,
    afterAt: o.after?.at ?? null,
    afterId: o.after?.id ?? null,
    limit: o.limit,
    window: o.window,
  };
  const recent = `SELECT r.id, r.submitted_at, r.survey_version, r.score, r.contact_id, r.answers ->> :questionId AS body
    ${raw.sql}
    WHERE ${raw.where} AND r.survey_version IN (:textVersions) AND coalesce(btrim(r.answers ->> :questionId), '') <> ''
      AND (:afterAt::timestamptz IS NULL OR (r.submitted_at, r.id) < (:afterAt::timestamptz, :afterId::uuid))
    ORDER BY r.submitted_at DESC, r.id DESC LIMIT :window`;
  const items = await db.query<TextAnswer>(
    `SELECT t.id, t.submitted_at AS "submittedAt", t.submitted_at::text AS "cursorAt", t.survey_version AS version, t.score, t.body,
       c.name AS "contactName", c.email AS "contactEmail"
     FROM (${recent}) t LEFT JOIN contacts c ON c.id = t.contact_id
     WHERE (:q::text IS NULL OR to_tsvector(:config::regconfig, t.body) @@ websearch_to_tsquery(:config::regconfig, :q))
     ORDER BY t.submitted_at DESC, t.id DESC LIMIT :limit`,
    replacements,
  );
  // Only a search that came back short can have stopped at the window; then say how far back it read.
  const scanned =
    o.q && items.length < o.limit
      ? (await db.one<{ n: number; lastAt: string | null; lastId: string | null }>(
          `SELECT count(*) AS n, min(submitted_at)::text AS "lastAt",
             (array_agg(id ORDER BY submitted_at, id))[1] AS "lastId" FROM (${recent}) t`,
          replacements,
        ))!
      : null;
  return { items, scanned };
}
