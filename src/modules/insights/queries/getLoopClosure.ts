import type { Db } from '../../../platform/db';
import { bandOf, scaleRange, type Question } from '../../surveys';
import { cellSource, COMPAT_CELLS, compatOf, type Scope } from '../scope';

export type LoopClosure = { unhappy: number; replied: number; closed: number; medianReplySeconds: number | null };

/**
 * Did we close the loop? Over the last 30 days (UTC, today included, as "are we getting better?" counts them)
 * of unhappy answers (NPS detractors, or the low scores of another scale): how many there were, how many got a
 * personal reply that was sent, how many are closed, and the median time from answer to first reply.
 *
 * Each part is read from where it is small, so the page costs the same at any number of answers: the unhappy
 * ones from the rollup (the primary scale's low values), the closed ones from the partial index on closed
 * unhappy conversations, the replied ones from the workspace's sent replies.
 */
export async function getLoopClosure(db: Db, scope: Scope, primary: Question): Promise<LoopClosure> {
  // The last 30 days whatever the view's dates, like the rest of this section.
  const src = cellSource({ ...scope, from: null, to: null });
  const [lo, hi] = scaleRange(primary);
  const low: string[] = [];
  for (let s = lo; s <= hi; s++) if (['detractor', 'low'].includes(bandOf(primary, s))) low.push(String(s));
  return (await db.one<LoopClosure>(
    `WITH e AS (SELECT (now() AT TIME ZONE 'UTC')::date - 29 AS first),
     since AS (SELECT e.first, e.first::timestamp AT TIME ZONE 'UTC' AS at FROM e),
     unhappy AS (
       SELECT coalesce(sum(c.n), 0)::bigint AS n FROM ${src.sql} c, since
       WHERE c.question_id = :questionId AND ${COMPAT_CELLS} AND c.value IN (:low) AND c.day >= since.first
     ),
     counted AS (
       SELECT cv.response_id, cv.submitted_at, cv.status FROM conversations cv, since
       WHERE cv.survey_id = :surveyId AND cv.workspace_id = :workspaceId AND cv.band IN ('detractor', 'low')
         AND cv.submitted_at >= since.at
         AND EXISTS (SELECT 1 FROM responses r WHERE r.id = cv.response_id AND r.survey_version IN (:versions))
     ),
     firsts AS (
       SELECT cv.response_id, cv.submitted_at, min(rp.sent_at) AS at
       FROM replies rp JOIN counted cv ON cv.response_id = rp.response_id
       WHERE rp.workspace_id = :workspaceId AND rp.status = 'sent'
       GROUP BY 1, 2
     )
     SELECT (SELECT n FROM unhappy) AS unhappy,
       (SELECT count(*) FROM firsts) AS replied,
       (SELECT count(*) FROM conversations cv, since
        WHERE cv.survey_id = :surveyId AND cv.workspace_id = :workspaceId AND cv.band IN ('detractor', 'low')
          AND cv.status = 'closed' AND cv.submitted_at >= since.at
          AND EXISTS (SELECT 1 FROM responses r WHERE r.id = cv.response_id AND r.survey_version IN (:versions))) AS closed,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - submitted_at)) FROM firsts) AS "medianReplySeconds"`,
    { ...src.replacements, compat: compatOf(scope), questionId: primary.id, low },
  ))!;
}
