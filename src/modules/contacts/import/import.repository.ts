import type { Db, Tx } from '../../../platform/db';
import { toPgArray } from '../../../platform/pgArray';

export type ImportJob = {
  id: string;
  filename: string;
  status: 'uploaded' | 'running' | 'done' | 'failed';
  delimiter: string;
  headers: string[];
  mapping: ColumnTarget[] | null;
  addTags: string[];
  bytesTotal: number;
  bytesDone: number;
  rowsDone: number;
  added: number;
  updated: number;
  refused: number;
  keptSuppressed: number;
  /** Past answers (a history import): the survey they go into and how many were added. */
  surveyId: string | null;
  answersAdded: number;
  error: string | null;
  stale: boolean;
  createdAt: Date;
  finishedAt: Date | null;
};

/** What one column of the file becomes. */
export type ColumnTarget =
  | {
      to:
        | 'email'
        | 'name'
        | 'first_name'
        | 'last_name'
        | 'locale'
        | 'owner'
        | 'tags'
        | 'ignore'
        // A history (past answers from another tool): the score, its comment and when it was given.
        | 'score'
        | 'comment'
        | 'answered_at';
    }
  | { to: 'property'; key: string };

export type ImportRow = {
  email: string;
  name: string | null;
  locale: string | null;
  owner: string | null;
  tags: string[];
  properties: Record<string, string>;
  /** A history import's past answer on this row. */
  answer?: { score: number; comment: string | null; at: string };
};

const JOB_COLUMNS = `id, filename, status, delimiter, headers, mapping, add_tags AS "addTags", bytes_total AS "bytesTotal",
  bytes_done AS "bytesDone", rows_done AS "rowsDone", added, updated, refused, kept_suppressed AS "keptSuppressed",
  survey_id AS "surveyId", answers_added AS "answersAdded", error,
  (status = 'running' AND heartbeat_at < now() - interval '2 minutes') AS stale, created_at AS "createdAt", finished_at AS "finishedAt"`;

export const importRepository = (db: Db) => ({
  async create(workspaceId: string, userId: string, filename: string) {
    return (await db.one<{ id: string }>(
      `INSERT INTO contact_imports (workspace_id, created_by, filename) VALUES (:workspaceId, :userId, :filename) RETURNING id`,
      { workspaceId, userId, filename },
    ))!.id;
  },

  addChunk: (importId: string, seq: number, data: Buffer) =>
    db.execute(`INSERT INTO contact_import_chunks (import_id, seq, data) VALUES (:importId, :seq, :data)`, {
      importId,
      seq,
      data,
    }),

  chunk: async (importId: string, seq: number) =>
    (
      await db.one<{ data: Buffer }>(
        `SELECT data FROM contact_import_chunks WHERE import_id = :importId AND seq = :seq`,
        { importId, seq },
      )
    )?.data,

  uploaded: (id: string, u: { delimiter: string; headers: string[]; bytesTotal: number }) =>
    db.execute(
      `UPDATE contact_imports SET delimiter = :delimiter, headers = :headers::jsonb, bytes_total = :bytesTotal WHERE id = :id`,
      {
        id,
        delimiter: u.delimiter,
        headers: JSON.stringify(u.headers),
        bytesTotal: u.bytesTotal,
      },
    ),

  discard: (id: string) => db.execute(`DELETE FROM contact_imports WHERE id = :id`, { id }),

  find: (workspaceId: string, id: string) =>
    db.one<ImportJob>(`SELECT ${JOB_COLUMNS} FROM contact_imports WHERE workspace_id = :workspaceId AND id = :id`, {
      workspaceId,
      id,
    }),

  recent: (workspaceId: string) =>
    db.query<ImportJob>(
      `SELECT ${JOB_COLUMNS} FROM contact_imports WHERE workspace_id = :workspaceId ORDER BY created_at DESC LIMIT 10`,
      { workspaceId },
    ),

  /** Only an uploaded job starts, once: a double-clicked "Import" runs it one time. */
  async claim(workspaceId: string, id: string, mapping: ColumnTarget[], addTags: string[], surveyId: string | null) {
    const claimed = await db.execute(
      `UPDATE contact_imports SET status = 'running', mapping = :mapping::jsonb, add_tags = :addTags::text[], heartbeat_at = now(),
         survey_id = :surveyId
       WHERE workspace_id = :workspaceId AND id = :id AND status = 'uploaded'`,
      { workspaceId, id, mapping: JSON.stringify(mapping), addTags: toPgArray(addTags), surveyId },
    );
    return claimed === 1;
  },

  /**
   * Upserts one batch by email. Status is never written: an import cannot re-subscribe anyone, and a new
   * contact whose address is on the suppression list is created non-subscribed by the table's trigger.
   * A row this same import already wrote is left alone and not returned: a duplicate within the file.
   */
  upsertBatch: (workspaceId: string, importId: string, rows: ImportRow[], tx: Tx) =>
    db.query<{ email: string; inserted: boolean; status: string }>(
      `INSERT INTO contacts (workspace_id, email, name, locale, owner_user_id, tags, properties, last_import_id)
       SELECT :workspaceId, r.email, coalesce(r.name, ''), r.locale, r.owner, coalesce(r.tags, '{}'), coalesce(r.properties, '{}'), :importId
       FROM jsonb_to_recordset(:rows::jsonb) AS r(email text, name text, locale text, owner uuid, tags text[], properties jsonb)
       ON CONFLICT (workspace_id, lower(email)) DO UPDATE SET
         name = coalesce(nullif(EXCLUDED.name, ''), contacts.name),
         locale = coalesce(EXCLUDED.locale, contacts.locale),
         owner_user_id = coalesce(EXCLUDED.owner_user_id, contacts.owner_user_id),
         tags = CASE WHEN EXCLUDED.tags = '{}' THEN contacts.tags
                ELSE ARRAY(SELECT DISTINCT t FROM unnest(contacts.tags || EXCLUDED.tags) AS t ORDER BY t) END,
         properties = contacts.properties || EXCLUDED.properties,
         last_import_id = EXCLUDED.last_import_id,
         updated_at = now()
       WHERE contacts.last_import_id IS DISTINCT FROM EXCLUDED.last_import_id
       RETURNING lower(email) AS email, (xmax = 0) AS inserted, status`,
      { workspaceId, importId, rows: JSON.stringify(rows) },
      tx,
    ),

  /**
   * A history's contacts by email (each written by this import or an earlier one), and whether each person's data
   * was erased: an erased person's old answers must not come back through an import.
   */
  contactsByEmail: (workspaceId: string, emails: string[], tx: Tx) =>
    db.query<{ email: string; id: string; erased: boolean }>(
      `SELECT lower(c.email) AS email, c.id,
         EXISTS (SELECT 1 FROM suppressions s WHERE s.workspace_id = c.workspace_id
                 AND s.email_hash = rapport_email_hash(c.workspace_id, c.email) AND s.reason = 'erased') AS erased
       FROM contacts c WHERE c.workspace_id = :workspaceId AND lower(c.email) = ANY(:emails::text[])`,
      { workspaceId, emails: toPgArray(emails) },
      tx,
    ),

  async addRefusals(importId: string, refusals: { row: number; email: string; reason: string }[], tx: Tx) {
    if (!refusals.length) return;
    await db.execute(
      `INSERT INTO contact_import_refusals (import_id, row_number, email, reason)
       SELECT :importId, f.row, f.email, f.reason FROM jsonb_to_recordset(:rows::jsonb) AS f(row integer, email text, reason text)
       ON CONFLICT DO NOTHING`,
      { importId, rows: JSON.stringify(refusals) },
      tx,
    );
  },

  progress: (
    id: string,
    p: {
      bytesDone: number;
      rowsDone: number;
      added: number;
      updated: number;
      refused: number;
      keptSuppressed: number;
      answersAdded: number;
    },
    tx?: Tx,
  ) =>
    db.execute(
      `UPDATE contact_imports SET bytes_done = :bytesDone, rows_done = :rowsDone, added = :added, updated = :updated,
         refused = :refused, kept_suppressed = :keptSuppressed, answers_added = :answersAdded, heartbeat_at = now() WHERE id = :id`,
      { id, ...p },
      tx,
    ),

  /** The file itself is personal data: it goes as soon as the import is over. */
  async finish(id: string, status: 'done' | 'failed', error: string | null) {
    await db.transaction(async (tx) => {
      await db.execute(
        `UPDATE contact_imports SET status = :status, error = :error, finished_at = now(),
           bytes_done = CASE WHEN :status = 'done' THEN bytes_total ELSE bytes_done END WHERE id = :id`,
        { id, status, error },
        tx,
      );
      await db.execute(`DELETE FROM contact_import_chunks WHERE import_id = :id`, { id }, tx);
    });
  },

  refusalsPage: (importId: string, afterRow: number, limit: number) =>
    db.query<{ row: number; email: string; reason: string }>(
      `SELECT row_number AS row, email, reason FROM contact_import_refusals WHERE import_id = :importId AND row_number > :afterRow
       ORDER BY row_number LIMIT :limit`,
      { importId, afterRow, limit },
    ),
});
