import type { Db, Tx } from '../../platform/db';

/**
 * When a teammate leaves a workspace, its surveys they signed are signed by the workspace again (a person who
 * left must not keep sending in its name; they may still exist, as a member of another workspace).
 */
export const surveysHandOver =
  (db: Db) =>
  (workspaceId: string, fromUserId: string, _toUserId: string, tx: Tx): Promise<number> =>
    db.execute(
      `UPDATE surveys SET sender_user_id = NULL WHERE workspace_id = :workspaceId AND sender_user_id = :fromUserId`,
      { workspaceId, fromUserId },
      tx,
    );
