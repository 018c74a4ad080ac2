import type { Db, Tx } from '../../platform/db';

/** When a teammate leaves: the conversations they own go to the teammate chosen (accounts' removal asks for it). */
export const followupsHandOver = (db: Db) => ({
  async describe(workspaceId: string, fromUserId: string, successor: string) {
    const { n, open } = (await db.one<{ n: number; open: number }>(
      `SELECT count(*)::int AS n, (count(*) FILTER (WHERE status = 'open'))::int AS open
       FROM conversations WHERE workspace_id = :workspaceId AND owner_user_id = :fromUserId`,
      { workspaceId, fromUserId },
    ))!;
    if (!n) return 'They own no conversations.';
    const what =
      n === 1
        ? `The conversation they own (${open ? 'open' : 'closed'}) goes`
        : `The ${n} conversations they own (${open} open) go`;
    return `${what} to ${successor}, who answers ${n === 1 ? 'it' : 'them'} from now on.`;
  },
  move: (workspaceId: string, fromUserId: string, toUserId: string, tx: Tx): Promise<number> =>
    db.execute(
      `UPDATE conversations SET owner_user_id = :toUserId, updated_at = now()
       WHERE workspace_id = :workspaceId AND owner_user_id = :fromUserId`,
      { workspaceId, fromUserId, toUserId },
      tx,
    ),
});
