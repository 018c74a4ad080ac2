import type { Transaction } from 'sequelize';
import type { Db } from '../../platform/db';
import type { ContactInput } from './contacts.schemas';

export type Contact = { id: string; email: string; name: string; status: string; createdAt: Date; cursorAt: string };

export const contactsRepository = (db: Db) => ({
  /**
   * Adds or refreshes by email. A known contact keeps their status: adding someone again never
   * re-subscribes a person who unsubscribed or bounced.
   */
  upsertMany: (workspaceId: string, contacts: ContactInput[], tx: Transaction) =>
    db.query<{ id: string; inserted: boolean }>(
      `INSERT INTO contacts (workspace_id, name, email)
       SELECT :workspaceId, c.name, c.email FROM jsonb_to_recordset(:rows::jsonb) AS c(name text, email text)
       ON CONFLICT (workspace_id, lower(email)) DO UPDATE
         SET name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE contacts.name END, updated_at = now()
       RETURNING id, (xmax = 0) AS inserted`,
      { workspaceId, rows: JSON.stringify(contacts) },
      tx,
    ),

  /** Keyset pagination: constant cost on any page, no COUNT or OFFSET. */
  page: (workspaceId: string, after: { createdAt: string; id: string } | undefined, limit: number) =>
    db.query<Contact>(
      // cursorAt keeps Postgres's microseconds, which a JS Date would cut to milliseconds.
      `SELECT id, email, name, status, created_at AS "createdAt", created_at::text AS "cursorAt" FROM contacts
       WHERE workspace_id = :workspaceId
         AND (:afterAt::timestamptz IS NULL OR (created_at, id) > (:afterAt::timestamptz, :afterId::uuid))
       ORDER BY created_at, id LIMIT :limit`,
      { workspaceId, afterAt: after?.createdAt ?? null, afterId: after?.id ?? null, limit },
    ),

  countSubscribed: async (workspaceId: string) =>
    (await db.one<{ n: number }>(`SELECT count(*) AS n FROM contacts WHERE workspace_id = :workspaceId AND status = 'subscribed'`, {
      workspaceId,
    }))!.n,
});
