import type { Db, Tx } from '../../platform/db';

/** When a teammate leaves: the conversations they own go to the teammate chosen (accounts' removal asks for it). */
export const followupsHandOver =
  (db: Db) =>
  (workspaceId: string, fromUserId: string, toUserId: string, tx: Tx): Promise<number> =>
    db.execute(
      `UPDATE conversations SET owner_user_id = :toUserId, updated_at = now()
       WHERE workspace_id = :workspaceId AND owner_user_id = :fromUserId`,
      { workspaceId, fromUserId, toUserId },
      tx,
    );
