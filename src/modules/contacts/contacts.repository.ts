import type { Db, Tx } from '../../platform/db';
import { toPgArray } from '../../platform/pgArray';
import type { ContactForm, ContactInput, ContactUpsert } from './contacts.schemas';
import { filterCondition, type ContactFilter } from './segment.filter';

export type ContactRow = {
  id: string;
  email: string;
  name: string;
  status: string;
  tags: string[];
  ownerUserId: string | null;
  lastInvitedAt: Date | null;
  lastAnsweredAt: Date | null;
  createdAt: Date;
  cursorKey: string;
};

/** The contact list's orders: newest first, by name (else email), or by last answer (never answered last). */
export const CONTACT_SORTS = ['newest', 'name', 'answered'] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];
const SORT_KEYS: Record<ContactSort, { key: string; type: string; descending: boolean }> = {
  newest: { key: 'c.created_at', type: 'timestamptz', descending: true },
  name: { key: `lower(coalesce(nullif(c.name, ''), c.email))`, type: 'text', descending: false },
  answered: { key: `coalesce(c.last_answered_at, '-infinity'::timestamptz)`, type: 'timestamptz', descending: true },
};

export type Contact = {
  id: string;
  email: string;
  name: string;
  locale: string | null;
  ownerUserId: string | null;
  tags: string[];
  properties: Record<string, string>;
  status: string;
  lastInvitedAt: Date | null;
  lastScoreBand: string | null;
  lastAnsweredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  suppression: string | null;
};

export type TimelineEntry = {
  /** A suppression is when they unsubscribed, bounced or were suppressed by the team (its reason in status). */
  kind: 'invitation' | 'reminder' | 'answer' | 'reply' | 'suppression';
  at: Date;
  surveyId: string;
  surveyTitle: string;
  version: number;
  status: string | null;
  attempts: number | null;
  score: number | null;
  comment: string | null;
  answers: Record<string, unknown> | null;
  /** For a reply: the teammate who wrote it (the text is in comment). */
  author: string | null;
};

export const contactsRepository = (db: Db) => ({
  /**
   * Adds by email; a known contact is never renamed (only a blank name is filled in) and keeps their status:
   * adding someone again never re-subscribes a person who unsubscribed or bounced (and a listed email is
   * created non-subscribed). Returns the rows added.
   */
  insertNew: (workspaceId: string, contacts: ContactInput[], tx: Tx) =>
    db.query<{ id: string; inserted: boolean }>(
      `INSERT INTO contacts (workspace_id, name, email)
       SELECT :workspaceId, c.name, c.email FROM jsonb_to_recordset(:rows::jsonb) AS c(name text, email text)
       ON CONFLICT (workspace_id, lower(email)) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
         WHERE contacts.name = '' AND EXCLUDED.name <> ''
       RETURNING id, (xmax = 0) AS inserted`,
      { workspaceId, rows: JSON.stringify(contacts) },
      tx,
    ),

  /**
   * One contact by email, from another system: fields left out keep their values, properties merge. Like every
   * upsert, it never writes `status` (nobody is re-subscribed by us).
   */
  upsertOne: async (workspaceId: string, c: ContactUpsert, tx?: Tx) =>
    (await db.one<{ id: string; inserted: boolean }>(
      `INSERT INTO contacts (workspace_id, email, name, locale, owner_user_id, tags, properties)
       VALUES (:workspaceId, :email, coalesce(:name, ''), :locale, :ownerId, coalesce(:tags::text[], '{}'), coalesce(:properties::jsonb, '{}'))
       ON CONFLICT (workspace_id, lower(email)) DO UPDATE SET
         name = CASE WHEN :hasName THEN EXCLUDED.name ELSE contacts.name END,
         locale = CASE WHEN :hasLocale THEN EXCLUDED.locale ELSE contacts.locale END,
         owner_user_id = CASE WHEN :hasOwner THEN EXCLUDED.owner_user_id ELSE contacts.owner_user_id END,
         tags = CASE WHEN :hasTags THEN EXCLUDED.tags ELSE contacts.tags END,
         properties = contacts.properties || EXCLUDED.properties,
         updated_at = now()
       RETURNING id, (xmax = 0) AS inserted`,
      {
        workspaceId,
        email: c.email,
        name: c.name ?? null,
        locale: c.locale ?? null,
        ownerId: c.ownerId ?? null,
        tags: c.tags ? toPgArray([...new Set(c.tags)]) : null,
        properties: c.properties ? JSON.stringify(c.properties) : null,
        hasName: c.name !== undefined,
        hasLocale: c.locale !== undefined,
        hasOwner: c.ownerId !== undefined,
        hasTags: c.tags !== undefined,
      },
      tx,
    ))!,

  /** Contacts in one status (the Delighted door's unsubscribes and bounces), by when they last changed. */
  listByStatus: (
    workspaceId: string,
    status: string,
    o: { since?: Date; until?: Date; offset: number; limit: number },
  ) =>
    db.query<{ id: string; email: string; name: string; updatedAt: Date }>(
      `SELECT id, email, name, updated_at AS "updatedAt" FROM contacts
       WHERE workspace_id = :workspaceId AND status = :status
         AND (:since::timestamptz IS NULL OR updated_at >= :since::timestamptz)
         AND (:until::timestamptz IS NULL OR updated_at <= :until::timestamptz)
       ORDER BY updated_at, id LIMIT :limit OFFSET :offset`,
      { workspaceId, status, since: o.since ?? null, until: o.until ?? null, offset: o.offset, limit: o.limit },
    ),

  findByEmail: (workspaceId: string, email: string) =>
    db.one<{ id: string }>(
      `SELECT id FROM contacts WHERE workspace_id = :workspaceId AND lower(email) = lower(:email)`,
      {
        workspaceId,
        email,
      },
    ),

  /**
   * Keyset pagination over any filter, in a stable order (the sort key, then the id): constant cost on any
   * page, no OFFSET. `from.direction` 'before' walks back (the rows come back in page order all the same).
   */
  async page(
    workspaceId: string,
    filter: ContactFilter,
    sort: ContactSort,
    from: { key: string; id: string; direction: 'after' | 'before' } | undefined,
    limit: number,
  ) {
    const cond = filterCondition(filter, 'c');
    const { key, type, descending } = SORT_KEYS[sort];
    // Walking forward in a descending order, or back in an ascending one, goes to smaller keys.
    const smaller = descending === (from?.direction !== 'before');
    const order = smaller ? 'DESC' : 'ASC';
    const rows = await db.query<ContactRow>(
      // cursorKey is the key as PostgreSQL writes it (microseconds kept, which a JS Date would cut).
      `SELECT c.id, c.email, c.name, c.status, c.tags, c.owner_user_id AS "ownerUserId", c.last_invited_at AS "lastInvitedAt",
         c.last_answered_at AS "lastAnsweredAt", c.created_at AS "createdAt", (${key})::text AS "cursorKey"
       FROM contacts c
       WHERE c.workspace_id = :workspaceId AND ${cond.sql}
         AND (:fromKey::text IS NULL OR (${key}, c.id) ${smaller ? '<' : '>'} (:fromKey::${type}, :fromId::uuid))
       ORDER BY ${key} ${order}, c.id ${order} LIMIT :limit`,
      { ...cond.replacements, workspaceId, fromKey: from?.key ?? null, fromId: from?.id ?? null, limit },
    );
    return from?.direction === 'before' ? rows.reverse() : rows;
  },

  async count(workspaceId: string, filter: ContactFilter) {
    const cond = filterCondition(filter, 'c');
    return (await db.one<{ n: number }>(
      `SELECT count(*) AS n FROM contacts c WHERE c.workspace_id = :workspaceId AND ${cond.sql}`,
      {
        ...cond.replacements,
        workspaceId,
      },
    ))!.n;
  },

  countSubscribed: async (workspaceId: string) =>
    (await db.one<{ n: number }>(
      `SELECT count(*) AS n FROM contacts WHERE workspace_id = :workspaceId AND status = 'subscribed'`,
      {
        workspaceId,
      },
    ))!.n,

  find: (workspaceId: string, id: string, tx?: Tx) =>
    db.one<Contact>(
      `SELECT c.id, c.email, c.name, c.locale, c.owner_user_id AS "ownerUserId", c.tags, c.properties,
         c.status, c.last_invited_at AS "lastInvitedAt", c.last_score_band AS "lastScoreBand",
         c.last_answered_at AS "lastAnsweredAt", c.created_at AS "createdAt", c.updated_at AS "updatedAt",
         (SELECT s.reason FROM suppressions s WHERE s.workspace_id = c.workspace_id
            AND s.email_hash = rapport_email_hash(c.workspace_id, c.email)) AS suppression
       FROM contacts c
       WHERE c.workspace_id = :workspaceId AND c.id = :id${tx ? ' FOR UPDATE OF c' : ''}`,
      { workspaceId, id },
      tx,
    ),

  update: (workspaceId: string, id: string, f: ContactForm) =>
    db.execute(
      `UPDATE contacts SET name = :name, email = :email, locale = :locale, owner_user_id = :ownerUserId,
         tags = :tags::text[], properties = :properties::jsonb, updated_at = now()
       WHERE workspace_id = :workspaceId AND id = :id`,
      { workspaceId, id, ...f, tags: toPgArray(f.tags), properties: JSON.stringify(f.properties) },
    ),

  emailTaken: async (workspaceId: string, email: string, exceptId: string) =>
    !!(await db.one(
      `SELECT 1 AS ok FROM contacts WHERE workspace_id = :workspaceId AND lower(email) = lower(:email) AND id <> :exceptId`,
      {
        workspaceId,
        email,
        exceptId,
      },
    )),

  setStatus: (workspaceId: string, id: string, from: string[], to: string, tx?: Tx) =>
    db.execute(
      `UPDATE contacts SET status = :to, updated_at = now() WHERE workspace_id = :workspaceId AND id = :id AND status IN (:from)`,
      { workspaceId, id, from, to },
      tx,
    ),

  remove: (workspaceId: string, id: string, tx?: Tx) =>
    db.execute(`DELETE FROM contacts WHERE workspace_id = :workspaceId AND id = :id`, { workspaceId, id }, tx),

  /** Every invitation (with its reminders' attempts), every answer and every personal reply, newest first. */
  timeline: (workspaceId: string, contactId: string, limit = 200) =>
    db.query<TimelineEntry>(
      `SELECT * FROM (
         SELECT 'invitation' AS kind, coalesce(d.sent_at, d.created_at) AS at, w.survey_id AS "surveyId", s.title AS "surveyTitle",
           w.survey_version AS version, d.status, d.attempts, NULL::smallint AS score, NULL AS comment, NULL::jsonb AS answers, NULL AS author
         FROM deliveries d JOIN waves w ON w.id = d.wave_id JOIN surveys s ON s.id = w.survey_id
         WHERE d.workspace_id = :workspaceId AND d.contact_id = :contactId
         UNION ALL
         SELECT 'reminder', coalesce(m.sent_at, m.created_at), w.survey_id, s.title, w.survey_version, m.status, m.attempts,
           NULL, NULL, NULL, NULL
         FROM reminders m JOIN deliveries d ON d.id = m.delivery_id JOIN waves w ON w.id = d.wave_id JOIN surveys s ON s.id = w.survey_id
         WHERE d.workspace_id = :workspaceId AND d.contact_id = :contactId
         UNION ALL
         SELECT 'answer', r.submitted_at, r.survey_id, s.title, r.survey_version, NULL, NULL, r.score, r.comment, r.answers, NULL
         FROM responses r JOIN surveys s ON s.id = r.survey_id
         WHERE r.workspace_id = :workspaceId AND r.contact_id = :contactId
         UNION ALL
         SELECT 'reply', coalesce(rp.sent_at, rp.created_at), r.survey_id, s.title, r.survey_version, rp.status, rp.attempts, NULL, rp.body, NULL,
           rp.author_name
         FROM replies rp JOIN responses r ON r.id = rp.response_id JOIN surveys s ON s.id = r.survey_id
         WHERE rp.workspace_id = :workspaceId AND rp.contact_id = :contactId
         UNION ALL
         SELECT 'suppression', sp.created_at, NULL, NULL, NULL, sp.reason, NULL, NULL, NULL, NULL, NULL
         FROM contacts c JOIN suppressions sp ON sp.workspace_id = c.workspace_id
           AND sp.email_hash = rapport_email_hash(c.workspace_id, c.email)
         WHERE c.workspace_id = :workspaceId AND c.id = :contactId
       ) t ORDER BY at DESC LIMIT :limit`,
      { workspaceId, contactId, limit },
    ),

  /** For the privacy export: responses with the exact questions they were answered on. */
  exportResponses: (workspaceId: string, contactId: string) =>
    db.query(
      `SELECT r.id, s.title AS survey, r.survey_version AS version, r.submitted_at AS "submittedAt", r.score, r.comment,
         r.answers, v.questions
       FROM responses r JOIN surveys s ON s.id = r.survey_id
       JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
       WHERE r.workspace_id = :workspaceId AND r.contact_id = :contactId ORDER BY r.submitted_at`,
      { workspaceId, contactId },
    ),

  /** Personal replies sent to them, and the team's notes on their answers (personal data too). */
  exportReplies: (workspaceId: string, contactId: string) =>
    db.query(
      `SELECT rp.response_id AS "responseId", rp.author_name AS author, rp.body, rp.status, rp.created_at AS "createdAt", rp.sent_at AS "sentAt"
       FROM replies rp WHERE rp.workspace_id = :workspaceId AND rp.contact_id = :contactId ORDER BY rp.created_at`,
      { workspaceId, contactId },
    ),

  exportNotes: (workspaceId: string, contactId: string) =>
    db.query(
      `SELECT n.response_id AS "responseId", n.author_name AS author, n.body, n.created_at AS "createdAt"
       FROM followup_notes n JOIN responses r ON r.id = n.response_id
       WHERE n.workspace_id = :workspaceId AND r.contact_id = :contactId ORDER BY n.created_at`,
      { workspaceId, contactId },
    ),

  exportDeliveries: (workspaceId: string, contactId: string) =>
    db.query(
      `SELECT d.id, s.title AS survey, w.survey_version AS version, d.status, d.attempts, d.created_at AS "createdAt",
         d.sent_at AS "sentAt", d.message_id AS "messageId", d.last_error AS "lastError"
       FROM deliveries d JOIN waves w ON w.id = d.wave_id JOIN surveys s ON s.id = w.survey_id
       WHERE d.workspace_id = :workspaceId AND d.contact_id = :contactId ORDER BY d.created_at`,
      { workspaceId, contactId },
    ),

  /**
   * The contacts' own part of erasure: the suppression hash stays (`erased`) so a later import of the same
   * address is never emailed; import refusals naming them go; then the row itself.
   */
  async suppressErased(workspaceId: string, email: string, tx: Tx) {
    await db.execute(
      `INSERT INTO suppressions (workspace_id, email_hash, reason) VALUES (:workspaceId, rapport_email_hash(:workspaceId, :email), 'erased')
       ON CONFLICT DO NOTHING`,
      { workspaceId, email },
      tx,
    );
  },
  async eraseRow(workspaceId: string, contactId: string, email: string, tx: Tx) {
    await db.execute(
      `DELETE FROM contact_import_refusals f USING contact_imports i
       WHERE f.import_id = i.id AND i.workspace_id = :workspaceId AND lower(f.email) = lower(:email)`,
      { workspaceId, email },
      tx,
    );
    await db.execute(
      `DELETE FROM contacts WHERE workspace_id = :workspaceId AND id = :contactId`,
      { workspaceId, contactId },
      tx,
    );
  },

  /** They unsubscribed (their word): from the respondent's link or its one-click header. */
  unsubscribe: (contactId: string) =>
    db.execute(
      `UPDATE contacts SET status = 'unsubscribed', updated_at = now() WHERE id = :contactId AND status = 'subscribed'`,
      { contactId },
    ),

  /** Their address hard-bounced (the relay's word): no later wave asks it again. */
  bounce: (contactId: string, tx: Tx) =>
    db.execute(
      `UPDATE contacts SET status = 'bounced', updated_at = now() WHERE id = :contactId AND status = 'subscribed'`,
      { contactId },
      tx,
    ),

  /** Shown on contact pages; the throttle itself reads deliveries, the source of truth. */
  invited: (contactIds: string[], at: Date, tx: Tx) =>
    db.execute(`UPDATE contacts SET last_invited_at = $1 WHERE id = ANY($2::uuid[])`, [at, contactIds], tx),
});
