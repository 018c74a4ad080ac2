import type { Transaction } from 'sequelize';
import type { Db } from '../../platform/db';

export type WaveSummary = {
  id: string;
  surveyId: string;
  surveyTitle: string;
  kind: string;
  createdAt: Date;
  recipients: number;
  throttled: number;
  suppressed: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  bounced: number;
  ambiguous: number;
  responded: number;
};

export const wavesRepository = (db: Db) => ({
  async insertWave(w: { workspaceId: string; surveyId: string; surveyVersion: number; createdBy: string }, tx: Transaction) {
    return (await db.one<{ id: string }>(
      `INSERT INTO waves (workspace_id, survey_id, survey_version, kind, created_by)
       VALUES (:workspaceId, :surveyId, :surveyVersion, 'manual', :createdBy) RETURNING id`,
      w,
      tx,
    ))!.id;
  },

  /** Locks the audience rows so a concurrent import or unsubscribe is seen before or after, never half. */
  audience: (workspaceId: string, tx: Transaction) =>
    db.query<{ id: string }>(
      `SELECT id FROM contacts WHERE workspace_id = :workspaceId AND status = 'subscribed' ORDER BY id FOR SHARE`,
      { workspaceId },
      tx,
    ),

  async insertDeliveries(
    workspaceId: string,
    waveId: string,
    rows: { contactId: string; tokenHash: string; tokenSealed: string }[],
    tx: Transaction,
  ) {
    if (!rows.length) return;
    await db.query(
      `INSERT INTO deliveries (workspace_id, wave_id, contact_id, token_hash, token_sealed)
       SELECT :workspaceId, :waveId, r."contactId", decode(r."tokenHash", 'hex'), r."tokenSealed"
       FROM jsonb_to_recordset(:rows::jsonb) AS r("contactId" uuid, "tokenHash" text, "tokenSealed" text)
       RETURNING id`,
      { workspaceId, waveId, rows: JSON.stringify(rows) },
      tx,
    );
    await db.query(
      `UPDATE contacts SET last_invited_at = now() WHERE id IN (SELECT contact_id FROM deliveries WHERE wave_id = :waveId) RETURNING id`,
      { waveId },
      tx,
    );
    await db.query(`UPDATE waves SET recipients = :n WHERE id = :waveId RETURNING id`, { waveId, n: rows.length }, tx);
  },

  summary: (workspaceId: string, waveId: string) =>
    db.one<WaveSummary>(
      `SELECT w.id, w.survey_id AS "surveyId", s.title AS "surveyTitle", w.kind, w.created_at AS "createdAt",
         w.recipients, w.throttled, w.suppressed,
         count(*) FILTER (WHERE d.status = 'queued') AS queued,
         count(*) FILTER (WHERE d.status = 'sending') AS sending,
         count(*) FILTER (WHERE d.status = 'sent') AS sent,
         count(*) FILTER (WHERE d.status = 'failed') AS failed,
         count(*) FILTER (WHERE d.status = 'bounced') AS bounced,
         count(*) FILTER (WHERE d.status = 'ambiguous') AS ambiguous,
         count(r.id) AS responded
       FROM waves w JOIN surveys s ON s.id = w.survey_id
       LEFT JOIN deliveries d ON d.wave_id = w.id
       LEFT JOIN responses r ON r.delivery_id = d.id
       WHERE w.workspace_id = :workspaceId AND w.id = :waveId
       GROUP BY w.id, s.title`,
      { workspaceId, waveId },
    ),

  listForSurvey: (workspaceId: string, surveyId: string) =>
    db.query<{ id: string; createdAt: Date; recipients: number; kind: string }>(
      `SELECT id, created_at AS "createdAt", recipients, kind FROM waves
       WHERE workspace_id = :workspaceId AND survey_id = :surveyId ORDER BY created_at DESC LIMIT 20`,
      { workspaceId, surveyId },
    ),
});
