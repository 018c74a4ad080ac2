import type { Db } from '../../../platform/db';

/** Responses ÷ invitations that actually left (sent); queued, failed and bounced ones are not asked yet. */
export async function getResponseRate(db: Db, workspaceId: string, surveyId: string, version: number | null = null) {
  const row = (await db.one<{ delivered: number; responded: number }>(
    `SELECT count(*) AS delivered, count(r.id) AS responded
     FROM deliveries d JOIN waves w ON w.id = d.wave_id
     LEFT JOIN responses r ON r.delivery_id = d.id
     WHERE d.workspace_id = :workspaceId AND w.survey_id = :surveyId AND d.status = 'sent'
       AND (:version::int IS NULL OR w.survey_version = :version)`,
    { workspaceId, surveyId, version },
  ))!;
  return { ...row, rate: row.delivered ? row.responded / row.delivered : null };
}
