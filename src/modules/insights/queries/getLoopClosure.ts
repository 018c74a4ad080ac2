import type { Db } from '../../../platform/db';

export type LoopClosure = { unhappy: number; replied: number; closed: number; medianReplySeconds: number | null };

/**
 * Did we close the loop? Over the last 30 days' detractors (or low scores on other scales): how many got a
 * personal reply that was sent, how many are closed, and the median time from their answer to the first reply.
 */
export async function getLoopClosure(
  db: Db,
  workspaceId: string,
  surveyId: string,
  version: number | null = null,
): Promise<LoopClosure> {
  return (await db.one<LoopClosure>(
    `SELECT count(*) AS unhappy,
       count(first.at) AS replied,
       count(*) FILTER (WHERE cv.status = 'closed') AS closed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first.at - cv.submitted_at)) AS "medianReplySeconds"
     FROM conversations cv
     JOIN responses r ON r.id = cv.response_id
     LEFT JOIN LATERAL (SELECT min(rp.sent_at) AS at FROM replies rp WHERE rp.response_id = cv.response_id AND rp.status = 'sent') first ON true
     WHERE cv.workspace_id = :workspaceId AND cv.survey_id = :surveyId AND cv.band IN ('detractor', 'low')
       AND cv.submitted_at >= now() - interval '30 days'
       AND (:version::int IS NULL OR r.survey_version = :version)`,
    { workspaceId, surveyId, version },
  ))!;
}
