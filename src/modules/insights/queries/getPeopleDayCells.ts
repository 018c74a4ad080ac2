import type { Db } from '../../../platform/db';
import { responsesInScope, type DayCell, type Scope } from '../scope';

/**
 * A view narrowed to people, counted once per request: their answers in scope, cut into the rollup's cells
 * per (version, day, question, value). Every number of the page is then read from these few thousand rows
 * (see cellSource) instead of scanning the raw answers once per number.
 *
 * Rows are first grouped by what the cells depend on, with each free-text answer reduced to "answered or
 * not": a survey's answers fall into a few thousand distinct groups, so the cell function runs per group,
 * not per answer.
 */
export function getPeopleDayCells(db: Db, scope: Scope) {
  const raw = responsesInScope(scope);
  const projection: string[] = [];
  const replacements: Record<string, unknown> = {};
  scope.questions.forEach((q, i) => {
    replacements[`pq${i}`] = q.id;
    const textVersions = scope.textVersions[q.id] ?? [];
    replacements[`pt${i}`] = textVersions.length ? textVersions : [-1];
    projection.push(
      `:pq${i}::text, CASE WHEN r.survey_version IN (:pt${i})
         THEN CASE WHEN btrim(coalesce(r.answers ->> :pq${i}, '')) <> '' THEN '"x"'::jsonb END
         ELSE r.answers -> :pq${i} END`,
    );
  });
  return db.query<DayCell>(
    `SELECT g.survey_version, to_char(g.day, 'YYYY-MM-DD') AS day, c.question_id, c.value, sum(g.n)::bigint AS n
     FROM (
       SELECT r.survey_version, (r.submitted_at AT TIME ZONE 'UTC')::date AS day, r.score,
         ${projection.length ? `jsonb_build_object(${projection.join(', ')})` : `'{}'::jsonb`} AS answers, count(*) AS n
       ${raw.sql}
       WHERE ${raw.where}
       GROUP BY 1, 2, 3, 4
     ) g
     LEFT JOIN survey_versions v ON v.survey_id = :surveyId AND v.version = g.survey_version
     CROSS JOIN LATERAL rapport_insight_cells(v.questions, g.answers, g.score) c
     GROUP BY 1, 2, 3, 4`,
    { ...raw.replacements, ...replacements },
  );
}
