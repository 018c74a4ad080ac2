import type { Db, Tx } from '../../platform/db';

/**
 * When a teammate leaves a workspace, its surveys they signed are signed by the workspace again (a person who
 * left must not keep sending in its name; they may still exist, as a member of another workspace).
 */
export const surveysHandOver = (db: Db) => ({
  async describe(workspaceId: string, fromUserId: string) {
    const signed = await db.query<{ title: string }>(
      `SELECT title FROM surveys WHERE workspace_id = :workspaceId AND sender_user_id = :fromUserId ORDER BY title`,
      { workspaceId, fromUserId },
    );
    if (!signed.length) return null;
    const titles = signed.map((s) => `“${s.title}”`).join(', ');
    return `${signed.length === 1 ? 'The survey' : `The ${signed.length} surveys`} sent in their name (${titles}) ${signed.length === 1 ? 'is' : 'are'} sent in the workspace's name from now on.`;
  },
  move: (workspaceId: string, fromUserId: string, _toUserId: string, tx: Tx): Promise<number> =>
    db.execute(
      `UPDATE surveys SET sender_user_id = NULL WHERE workspace_id = :workspaceId AND sender_user_id = :fromUserId`,
      { workspaceId, fromUserId },
      tx,
    ),
});
