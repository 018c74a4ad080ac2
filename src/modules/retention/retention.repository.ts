import type { Db } from '../../platform/db';

export type RetentionAction = 'anonymise' | 'delete';
export type RetentionPolicy = { months: number; action: RetentionAction };

/** `retention_policies`: one row per workspace that keeps answers only so long; no row, kept forever. */
export const retentionRepository = (db: Db) => ({
  find: (workspaceId: string) =>
    db.one<RetentionPolicy>(`SELECT months, action FROM retention_policies WHERE workspace_id = :workspaceId`, {
      workspaceId,
    }),

  save: (workspaceId: string, policy: RetentionPolicy, userId: string) =>
    db.execute(
      `INSERT INTO retention_policies (workspace_id, months, action, updated_by) VALUES (:workspaceId, :months, :action, :userId)
       ON CONFLICT (workspace_id) DO UPDATE SET months = EXCLUDED.months, action = EXCLUDED.action,
         updated_by = EXCLUDED.updated_by, updated_at = now()`,
      { workspaceId, ...policy, userId },
    ),

  remove: (workspaceId: string) =>
    db.execute(`DELETE FROM retention_policies WHERE workspace_id = :workspaceId`, { workspaceId }),

  /** Every policy with the instant before which answers are past it, by the database's clock. */
  due: () =>
    db.query<RetentionPolicy & { workspaceId: string; before: Date }>(
      `SELECT workspace_id AS "workspaceId", months, action, now() - make_interval(months => months) AS before
       FROM retention_policies ORDER BY workspace_id`,
    ),
});
