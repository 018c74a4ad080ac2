import type { Db, Tx } from '../../platform/db';

export type Suppression = {
  reason: string;
  createdAt: Date;
  hash: string;
  contactId: string | null;
  email: string | null;
};

/**
 * The suppression list holds a hash of each address (salted per workspace), never the address: it must
 * outlive the contact, including an erased one. Entries come from the contacts' status trigger
 * (unsubscribed, bounced, suppressed) and from erasure and manual additions here.
 */
export const suppressionsRepository = (db: Db) => ({
  async add(workspaceId: string, emails: string[], reason: 'manual', tx: Tx) {
    if (!emails.length) return 0;
    const added = await db.execute(
      `INSERT INTO suppressions (workspace_id, email_hash, reason)
       SELECT :workspaceId, rapport_email_hash(:workspaceId, e), :reason FROM unnest(ARRAY[:emails]::text[]) AS e
       ON CONFLICT DO NOTHING`,
      { workspaceId, emails, reason },
      tx,
    );
    await db.execute(
      `UPDATE contacts SET status = 'suppressed', updated_at = now()
       WHERE workspace_id = :workspaceId AND lower(email) IN (:emails) AND status = 'subscribed'`,
      { workspaceId, emails: emails.map((e) => e.toLowerCase()) },
      tx,
    );
    return added;
  },

  /** Only a team's own suppression may be lifted; unsubscribes and bounces are the recipient's word. */
  liftManual: (workspaceId: string, email: string, tx: Tx) =>
    db.execute(
      `DELETE FROM suppressions WHERE workspace_id = :workspaceId AND email_hash = rapport_email_hash(:workspaceId, :email)
         AND reason IN ('manual', 'erased')`,
      { workspaceId, email },
      tx,
    ),

  counts: (workspaceId: string) =>
    db.query<{ reason: string; n: number }>(
      `SELECT reason, count(*) AS n FROM suppressions WHERE workspace_id = :workspaceId GROUP BY reason ORDER BY reason`,
      {
        workspaceId,
      },
    ),

  latest: (workspaceId: string, limit = 100) =>
    db.query<Suppression>(
      `SELECT s.reason, s.created_at AS "createdAt", encode(s.email_hash, 'hex') AS hash, c.id AS "contactId", c.email
       FROM suppressions s
       LEFT JOIN contacts c ON rapport_email_hash(c.workspace_id, c.email) = s.email_hash AND c.workspace_id = s.workspace_id
       WHERE s.workspace_id = :workspaceId ORDER BY s.created_at DESC LIMIT :limit`,
      { workspaceId, limit },
    ),

  isListed: async (workspaceId: string, email: string) =>
    (
      await db.one<{ reason: string }>(
        `SELECT reason FROM suppressions WHERE workspace_id = :workspaceId AND email_hash = rapport_email_hash(:workspaceId, :email)`,
        { workspaceId, email },
      )
    )?.reason ?? null,
});
