import type { Db } from '../../../platform/db';

export type LoopClosure = { unhappy: number; replied: number; closed: number; medianReplySeconds: number | null };

/**
 * Did we close the loop? Over the last 30 days' detractors (or low scores on other scales): how many got a
 * personal reply that was sent, how many are closed, and the median time from their answer to the first reply.
 * The unhappy answers come from one range of the partial index on unhappy conversations (status included);
 * replies are joined to them, not the other way round, as there are far fewer.
 */
export async function getLoopClosure(
  db: Db,
  workspaceId: string,
  surveyId: string,
  version: number | null = null,
): Promise<LoopClosure> {
  return (await db.one<LoopClosure>(
    `WITH unhappy AS (
       SELECT cv.response_id, cv.status, cv.submitted_at FROM conversations cv
       WHERE cv.survey_id = :surveyId AND cv.workspace_id = :workspaceId AND cv.band IN ('detractor', 'low')
         AND cv.submitted_at >= now() - interval '30 days'
         AND (:version::int IS NULL OR EXISTS (SELECT 1 FROM responses r WHERE r.id = cv.response_id AND r.survey_version = :version))
     ),
     firsts AS (
       SELECT u.response_id, u.submitted_at, min(rp.sent_at) AS at
       FROM replies rp JOIN unhappy u ON u.response_id = rp.response_id
       WHERE rp.workspace_id = :workspaceId AND rp.status = 'sent'
       GROUP BY 1, 2
     )
     SELECT (SELECT count(*) FROM unhappy) AS unhappy,
       (SELECT count(*) FROM firsts) AS replied,
       (SELECT count(*) FROM unhappy WHERE status = 'closed') AS closed,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - submitted_at)) FROM firsts) AS "medianReplySeconds"`,
    { workspaceId, surveyId, version },
  ))!;
}
