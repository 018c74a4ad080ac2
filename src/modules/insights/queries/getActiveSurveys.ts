import type { Db } from '../../../platform/db';

/** A workspace's surveys still asking (not archived), oldest first: the weekly digest's sections. */
export const getActiveSurveys = (db: Db, workspaceId: string) =>
  db.query<{ id: string }>(
    `SELECT s.id FROM surveys s WHERE s.workspace_id = :workspaceId AND s.status = 'active' ORDER BY s.created_at, s.id`,
    { workspaceId },
  );
