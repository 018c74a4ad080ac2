import type { Db, Tx } from '../../platform/db';
import type { Question } from '../surveys';
import type { InboxFilter } from './followups.schemas';
import { overdueSql } from './overdue';

/** The instant a page reckons "overdue" from: the service's clock, or the database's when none is given. */
const AT = 'coalesce(CAST(:now AS timestamptz), now())';
import { WORTH_ANSWERING } from './inboxSetting';
import { LOOP_BASE, RESCUED } from './measures';

const LOOP_WHERE: Record<string, string> = {
  unhappy: 'TRUE',
  replied: 'b.first_reply_at IS NOT NULL',
  unreplied: 'b.first_reply_at IS NULL',
  late: 'b.late',
  wroteBack: 'b.wrote_back',
  rescued: RESCUED,
};

export type InboxRow = {
  id: string;
  submittedAt: Date;
  cursorAt: string;
  band: string | null;
  status: 'open' | 'closed';
  score: number | null;
  excerpt: string | null;
  contactId: string | null;
  contactName: string | null;
  contactEmail: string | null;
  surveyId: string;
  surveyTitle: string;
  ownerUserId: string | null;
  replies: number;
  /** Past the response-time target (see overdue.ts), and since when the customer has waited. */
  overdue: boolean;
  awaitingSince: Date | null;
  /** The customer wrote back (not an auto-reply) after the team's last reply: someone should answer. */
  customerReplied: boolean;
};

export type Conversation = {
  id: string;
  status: 'open' | 'closed';
  band: string | null;
  ownerUserId: string | null;
  closedAt: Date | null;
  closedBy: string | null;
  score: number | null;
  comment: string | null;
  answers: Record<string, unknown>;
  version: number;
  submittedAt: Date;
  surveyId: string;
  surveyTitle: string;
  questions: Question[];
  contactId: string | null;
  contactName: string | null;
  contactEmail: string | null;
  contactStatus: string | null;
  contactOwnerUserId: string | null;
  overdue: boolean;
  awaitingSince: Date | null;
  targetHours: number;
  closingLine: string | null;
  closingLineBy: string | null;
};

export type ThreadEntry = {
  /** A teammate's reply, an internal note, or the customer's message (inbound's; status 'reply' or 'auto_reply'). */
  kind: 'reply' | 'note' | 'customer';
  id: string;
  authorName: string;
  body: string;
  status: string | null;
  /** A customer's message: its attachments' names, types and sizes (their bodies are not kept). */
  attachments: { name: string; type: string; size: number }[] | null;
  lastError: string | null;
  at: Date;
  sentAt: Date | null;
};

export type EarlierResponse = {
  id: string;
  surveyTitle: string;
  score: number | null;
  band: string | null;
  comment: string | null;
  submittedAt: Date;
};

export const followupsRepository = (db: Db) => ({
  /**
   * Newest first, keyset-paginated on (submitted_at, response_id): the same cost on every page. The overdue
   * view runs the other way, on (awaiting_since, response_id): the longest wait first.
   */
  page: (
    workspaceId: string,
    userId: string,
    f: InboxFilter,
    after: { at: string; id: string } | undefined,
    limit: number,
    now?: Date,
  ) => {
    const overdue = f.status === 'overdue';
    const [key, cmp, dir] = overdue ? ['cv.awaiting_since', '>', 'ASC'] : ['cv.submitted_at', '<', 'DESC'];
    return db.query<InboxRow>(
      `SELECT cv.response_id AS id, cv.submitted_at AS "submittedAt", ${key}::text AS "cursorAt", cv.band, cv.status,
         r.score, left(r.comment, 240) AS excerpt, c.id AS "contactId", c.name AS "contactName", c.email AS "contactEmail",
         s.id AS "surveyId", s.title AS "surveyTitle", cv.owner_user_id AS "ownerUserId",
         (SELECT count(*) FROM replies rp WHERE rp.response_id = cv.response_id) AS replies,
         ${overdueSql(AT)} AS overdue, cv.awaiting_since AS "awaitingSince",
         EXISTS (SELECT 1 FROM inbound_messages im WHERE im.response_id = cv.response_id AND im.kind = 'reply'
           AND im.received_at > coalesce((SELECT max(rp.created_at) FROM replies rp WHERE rp.response_id = cv.response_id), '-infinity'))
           AS "customerReplied"
       FROM conversations cv
       JOIN workspaces w ON w.id = cv.workspace_id
       JOIN responses r ON r.id = cv.response_id
       JOIN surveys s ON s.id = cv.survey_id
       LEFT JOIN contacts c ON c.id = r.contact_id
       WHERE cv.workspace_id = :workspaceId
         AND (:status = 'all' OR cv.status = :status OR (:status = 'overdue' AND ${overdueSql(AT)}))
         AND (:owner = 'everyone' OR (:owner = 'mine' AND cv.owner_user_id = :userId) OR (:owner = 'unassigned' AND cv.owner_user_id IS NULL))
         AND (:band::text IS NULL OR cv.band = :band)
         AND (:surveyId::uuid IS NULL OR cv.survey_id = :surveyId)
         AND (:answers = 'every' OR ${WORTH_ANSWERING})
         ${f.loop && f.from && f.to ? `AND cv.response_id IN (SELECT b.response_id FROM (${LOOP_BASE}) b WHERE ${LOOP_WHERE[f.loop]})` : ''}
         AND (:afterAt::timestamptz IS NULL OR (${key}, cv.response_id) ${cmp} (:afterAt::timestamptz, :afterId::uuid))
       ORDER BY ${key} ${dir}, cv.response_id ${dir} LIMIT :limit`,
      {
        workspaceId,
        userId,
        status: f.status,
        owner: f.owner,
        band: f.band ?? null,
        surveyId: f.survey ?? null,
        answers: f.answers ?? 'worth',
        from: f.from ?? null,
        to: f.to ?? null,
        ownerId: f.ownerId ?? null,
        afterAt: after?.at ?? null,
        afterId: after?.id ?? null,
        limit,
        now: now?.toISOString() ?? null,
      },
    );
  },

  /** How many conversations of the workspace are overdue now (the inbox's "Overdue (n)"). */
  countOverdue: async (workspaceId: string, now?: Date) =>
    (await db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM conversations cv JOIN workspaces w ON w.id = cv.workspace_id
       WHERE cv.workspace_id = :workspaceId AND ${overdueSql(AT)}`,
      { workspaceId, now: now?.toISOString() ?? null },
    ))!.n,

  /** The nav badge: served by the partial index on open conversations per owner; counts what the Inbox lists. */
  countOpenFor: async (workspaceId: string, userId: string) =>
    (await db.one<{ n: number }>(
      `SELECT count(*) AS n FROM conversations cv JOIN responses r ON r.id = cv.response_id
       WHERE cv.owner_user_id = :userId AND cv.status = 'open' AND cv.workspace_id = :workspaceId
         AND (${WORTH_ANSWERING} OR EXISTS (SELECT 1 FROM inbox_settings i WHERE i.workspace_id = :workspaceId AND i.opens = 'every'))`,
      { workspaceId, userId },
    ))!.n,

  find: (workspaceId: string, id: string, tx?: Tx, now?: Date) =>
    db.one<Conversation>(
      `SELECT cv.response_id AS id, cv.status, cv.band, cv.owner_user_id AS "ownerUserId",
         cv.closed_at AS "closedAt", cv.closed_by AS "closedBy",
         r.score, r.comment, r.answers, r.survey_version AS version, r.submitted_at AS "submittedAt",
         s.id AS "surveyId", s.title AS "surveyTitle", coalesce(v.questions, '[]'::jsonb) AS questions,
         c.id AS "contactId", c.name AS "contactName", c.email AS "contactEmail", c.status AS "contactStatus",
         c.owner_user_id AS "contactOwnerUserId",
         ${overdueSql(AT)} AS overdue, cv.awaiting_since AS "awaitingSince", w.response_target_hours AS "targetHours",
         cv.closing_line AS "closingLine", cv.closing_line_by AS "closingLineBy"
       FROM conversations cv
       JOIN workspaces w ON w.id = cv.workspace_id
       JOIN responses r ON r.id = cv.response_id
       JOIN surveys s ON s.id = cv.survey_id
       LEFT JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
       LEFT JOIN contacts c ON c.id = r.contact_id
       WHERE cv.workspace_id = :workspaceId AND cv.response_id = :id${tx ? ' FOR UPDATE OF cv' : ''}`,
      { workspaceId, id, now: now?.toISOString() ?? null },
      tx,
    ),

  earlier: (workspaceId: string, contactId: string, exceptId: string) =>
    db.query<EarlierResponse>(
      `SELECT r.id, s.title AS "surveyTitle", r.score, cv.band, r.comment, r.submitted_at AS "submittedAt"
       FROM responses r JOIN surveys s ON s.id = r.survey_id LEFT JOIN conversations cv ON cv.response_id = r.id
       WHERE r.workspace_id = :workspaceId AND r.contact_id = :contactId AND r.id <> :exceptId
       ORDER BY r.submitted_at DESC LIMIT 20`,
      { workspaceId, contactId, exceptId },
    ),

  thread: (workspaceId: string, id: string) =>
    db.query<ThreadEntry>(
      `SELECT 'reply' AS kind, id, author_name AS "authorName", body, status, NULL::jsonb AS attachments,
         last_error AS "lastError", created_at AS at, sent_at AS "sentAt"
       FROM replies WHERE workspace_id = :workspaceId AND response_id = :id
       UNION ALL
       SELECT 'note', id, author_name, body, NULL, NULL, NULL, created_at, NULL
       FROM followup_notes WHERE workspace_id = :workspaceId AND response_id = :id
       UNION ALL
       SELECT 'customer', id, coalesce(nullif(from_name, ''), from_address), body, kind, attachments, NULL, received_at, NULL
       FROM inbound_messages WHERE workspace_id = :workspaceId AND response_id = :id
       ORDER BY at, id`,
      { workspaceId, id },
    ),

  assign: (workspaceId: string, id: string, ownerUserId: string | null, tx?: Tx) =>
    db.execute(
      `UPDATE conversations SET owner_user_id = :ownerUserId, updated_at = now() WHERE workspace_id = :workspaceId AND response_id = :id`,
      { workspaceId, id, ownerUserId },
      tx,
    ),

  setStatus: (workspaceId: string, id: string, status: 'open' | 'closed', userId: string, tx?: Tx) =>
    db.execute(
      `UPDATE conversations SET status = :status, updated_at = now(),
         closed_at = CASE WHEN :status = 'closed' THEN now() END, closed_by = CASE WHEN :status = 'closed' THEN :userId::uuid END
       WHERE workspace_id = :workspaceId AND response_id = :id AND status <> :status`,
      { workspaceId, id, status, userId },
      tx,
    ),

  /** The line written when closing (or none: a close without one forgets an earlier one), signed with a name. */
  setClosingLine: (workspaceId: string, id: string, line: string | null, by: string, tx?: Tx) =>
    db.execute(
      `UPDATE conversations SET closing_line = :line, closing_line_by = CASE WHEN :line::text IS NULL THEN NULL ELSE :by END
       WHERE workspace_id = :workspaceId AND response_id = :id`,
      { workspaceId, id, line, by },
      tx,
    ),

  /** Closes those of these conversations that are open in this workspace (others are left alone); how many. */
  closeMany: (workspaceId: string, ids: string[], userId: string) =>
    db.execute(
      `UPDATE conversations SET status = 'closed', updated_at = now(), closed_at = now(), closed_by = $3
       WHERE workspace_id = $1 AND response_id = ANY($2::uuid[]) AND status = 'open'`,
      [workspaceId, ids, userId],
    ),

  insertReply: (
    r: {
      workspaceId: string;
      responseId: string;
      contactId: string;
      author: { id: string; name: string; email: string };
      body: string;
    },
    tx: Tx,
  ) =>
    db.execute(
      `INSERT INTO replies (workspace_id, response_id, contact_id, author_user_id, author_name, author_email, body)
       VALUES (:workspaceId, :responseId, :contactId, :authorId, :authorName, :authorEmail, :body)`,
      { ...r, authorId: r.author.id, authorName: r.author.name, authorEmail: r.author.email },
      tx,
    ),

  insertNote: (
    n: { workspaceId: string; responseId: string; author: { id: string; name: string }; body: string },
    tx: Tx,
  ) =>
    db.execute(
      `INSERT INTO followup_notes (workspace_id, response_id, author_user_id, author_name, body)
       VALUES (:workspaceId, :responseId, :authorId, :authorName, :body)`,
      { ...n, authorId: n.author.id, authorName: n.author.name },
      tx,
    ),
});
export type FollowupsRepository = ReturnType<typeof followupsRepository>;
