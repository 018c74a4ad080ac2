import type { Db } from '../../platform/db';
import type { Question } from '../surveys';

export type MessageKind = 'invitation' | 'reminder' | 'reply' | 'alert';

/** An alert: the teammate it goes to and the answer it is about, read when it is sent (so the latest comment shows). */
export type AlertFacts = {
  toName: string;
  toEmail: string;
  responseId: string;
  score: number | null;
  comment: string | null;
};

/** Everything needed to render and send one invitation or reminder, read in one query for a claimed batch. */
export type ClaimedDelivery = {
  /** The outbox row: a delivery for an invitation, a reminder row for a reminder. */
  id: string;
  kind: MessageKind;
  /** The delivery the link (and so the response) belongs to; for a reply, the invitation it threads under (if any). */
  deliveryId: string;
  reminderSeq: number | null;
  attempts: number;
  tokenSealed: string;
  contactId: string;
  contactName: string;
  contactEmail: string;
  /** The email's language: the contact's locale wins over the survey's. */
  contactLocale: string | null;
  surveyTitle: string;
  surveyLanguage: string;
  questions: Question[];
  /** The contact's owner, else the survey's sender teammate, else the workspace's sender name. */
  senderName: string;
  /** That teammate's address, when the sender is a teammate. */
  replyToEmail: string | null;
  workspaceName: string;
  postalAddress: string;
  /** A personal reply's own text, and the comment it answers (null for invitations and reminders). */
  replyBody?: string | null;
  replyToComment?: string | null;
  alert?: AlertFacts | null;
};

const TABLE: Record<MessageKind, string> = {
  invitation: 'deliveries',
  reminder: 'reminders',
  reply: 'replies',
  alert: 'alerts',
};
/** Claim order: a reply or an alert has one person waiting on it, so it never queues behind a large wave. */
export const MESSAGE_KINDS: MessageKind[] = ['reply', 'alert', 'invitation', 'reminder'];

/**
 * Claims due rows of one outbox table. `checked` says, per picked id, whether to stop it and why: a row whose
 * contact is no longer subscribed (or, for a reminder, who has answered since) is not sent but ends as
 * 'suppressed' in the same statement that claims the rest.
 */
const claimFrom = (table: string, checked: string, returning: string) => `
    WITH picked AS (
      SELECT id FROM ${table} WHERE status = 'queued' AND next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED),
    checked AS (${checked}),
    claimed AS (
      UPDATE ${table} m SET
        status = CASE WHEN k.stop THEN 'suppressed' ELSE 'sending' END,
        attempts = m.attempts + CASE WHEN k.stop THEN 0 ELSE 1 END,
        lease_until = CASE WHEN k.stop THEN NULL ELSE now() + make_interval(secs => :leaseSeconds) END,
        last_error = CASE WHEN k.stop THEN k.why ELSE m.last_error END
      FROM checked k WHERE m.id = k.id
      RETURNING ${returning})`;

const NOT_SUBSCRIBED = `ct.status <> 'subscribed' AS stop, 'The contact is ' || ct.status || '; not sent.' AS why`;

const CLAIM: Record<MessageKind, string> = {
  invitation: claimFrom(
    'deliveries',
    `SELECT p.id, ${NOT_SUBSCRIBED} FROM picked p JOIN deliveries d ON d.id = p.id JOIN contacts ct ON ct.id = d.contact_id`,
    `m.id, m.id AS delivery_id, NULL::smallint AS seq, m.attempts, m.status`,
  ),
  reminder: claimFrom(
    'reminders',
    `SELECT p.id,
        ct.status <> 'subscribed' OR EXISTS (SELECT 1 FROM responses r WHERE r.delivery_id = rm.delivery_id) AS stop,
        CASE WHEN ct.status <> 'subscribed' THEN 'The contact is ' || ct.status || '; not sent.'
             ELSE 'The contact answered; no reminder needed.' END AS why
      FROM picked p JOIN reminders rm ON rm.id = p.id JOIN deliveries d ON d.id = rm.delivery_id
      JOIN contacts ct ON ct.id = d.contact_id`,
    `m.id, m.delivery_id, m.seq, m.attempts, m.status`,
  ),
  // A reply is refused up front to anyone not subscribed; this catches an unsubscribe while it was queued.
  reply: claimFrom(
    'replies',
    `SELECT p.id, ${NOT_SUBSCRIBED} FROM picked p JOIN replies rp ON rp.id = p.id JOIN contacts ct ON ct.id = rp.contact_id`,
    `m.id, m.response_id, m.attempts, m.status`,
  ),
  // Alerts were queued only for teammates who wanted them; this catches one who left or opted out since.
  alert: claimFrom(
    'alerts',
    `SELECT p.id, u.id IS NULL OR NOT u.alerts_enabled AS stop,
        CASE WHEN u.id IS NULL THEN 'The teammate is no longer in the workspace; not sent.'
             ELSE 'The teammate turned alerts off; not sent.' END AS why
      FROM picked p JOIN alerts a ON a.id = p.id LEFT JOIN users u ON u.id = a.user_id AND u.workspace_id = a.workspace_id`,
    `m.id, m.response_id, m.user_id, m.attempts, m.status`,
  ),
};

const RENDER = (kind: MessageKind) => `
  SELECT c.id, '${kind}' AS kind, c.delivery_id AS "deliveryId", c.seq AS "reminderSeq", c.attempts,
    d.token_sealed AS "tokenSealed", d.contact_id AS "contactId",
    ct.name AS "contactName", ct.email AS "contactEmail", ct.locale AS "contactLocale",
    s.title AS "surveyTitle", s.language AS "surveyLanguage", v.questions,
    coalesce(owner.name, sender.name, ws.sender_name) AS "senderName",
    coalesce(owner.email, sender.email) AS "replyToEmail",
    ws.name AS "workspaceName", ws.postal_address AS "postalAddress", NULL AS "replyBody", NULL AS "replyToComment"
  FROM claimed c
  JOIN deliveries d ON d.id = c.delivery_id
  JOIN contacts ct ON ct.id = d.contact_id
  JOIN waves w ON w.id = d.wave_id
  JOIN surveys s ON s.id = w.survey_id
  JOIN survey_versions v ON v.survey_id = w.survey_id AND v.version = w.survey_version
  JOIN workspaces ws ON ws.id = d.workspace_id
  LEFT JOIN users owner ON owner.id = ct.owner_user_id AND owner.workspace_id = d.workspace_id
  LEFT JOIN users sender ON sender.id = s.sender_user_id AND sender.workspace_id = d.workspace_id
  WHERE c.status = 'sending'`;

/** A reply: from its author, to the contact, threaded under the invitation the answer came from (if any). */
const RENDER_REPLY = `
  SELECT c.id, 'reply' AS kind, r.delivery_id AS "deliveryId", NULL::smallint AS "reminderSeq", c.attempts,
    '' AS "tokenSealed", rp.contact_id AS "contactId",
    ct.name AS "contactName", ct.email AS "contactEmail", ct.locale AS "contactLocale",
    s.title AS "surveyTitle", s.language AS "surveyLanguage", '[]'::jsonb AS questions,
    rp.author_name AS "senderName", rp.author_email AS "replyToEmail",
    ws.name AS "workspaceName", ws.postal_address AS "postalAddress", rp.body AS "replyBody", r.comment AS "replyToComment"
  FROM claimed c
  JOIN replies rp ON rp.id = c.id
  JOIN responses r ON r.id = c.response_id
  JOIN contacts ct ON ct.id = rp.contact_id
  JOIN surveys s ON s.id = r.survey_id
  JOIN workspaces ws ON ws.id = rp.workspace_id
  WHERE c.status = 'sending'`;

/** An alert: from Rapport, to the teammate, about one answer (the contact may be gone: a public link, or erased). */
const RENDER_ALERT = `
  SELECT c.id, 'alert' AS kind, NULL AS "deliveryId", NULL::smallint AS "reminderSeq", c.attempts,
    '' AS "tokenSealed", r.contact_id AS "contactId",
    coalesce(nullif(ct.name, ''), ct.email, 'Someone') AS "contactName", coalesce(ct.email, '') AS "contactEmail", NULL AS "contactLocale",
    s.title AS "surveyTitle", s.language AS "surveyLanguage", '[]'::jsonb AS questions,
    'Rapport' AS "senderName", NULL AS "replyToEmail",
    ws.name AS "workspaceName", ws.postal_address AS "postalAddress", NULL AS "replyBody", NULL AS "replyToComment",
    json_build_object('toName', u.name, 'toEmail', u.email, 'responseId', r.id, 'score', r.score, 'comment', r.comment) AS alert
  FROM claimed c
  JOIN users u ON u.id = c.user_id
  JOIN responses r ON r.id = c.response_id
  LEFT JOIN contacts ct ON ct.id = r.contact_id
  JOIN surveys s ON s.id = r.survey_id
  JOIN workspaces ws ON ws.id = r.workspace_id
  WHERE c.status = 'sending'`;

const RENDER_OF: Record<MessageKind, string> = {
  invitation: RENDER('invitation'),
  reminder: RENDER('reminder'),
  reply: RENDER_REPLY,
  alert: RENDER_ALERT,
};

export const outboxRepository = (db: Db) => ({
  /**
   * Claim due messages of one kind. SKIP LOCKED lets any number of workers share the outbox without waiting
   * on each other; the lease says how long a claim may stay unsettled before it is counted as ambiguous.
   */
  claim: (kind: MessageKind, limit: number, leaseSeconds: number) =>
    db.query<ClaimedDelivery>(`${CLAIM[kind]} ${RENDER_OF[kind]}`, { limit, leaseSeconds }),

  markSent: (kind: MessageKind, id: string, messageId: string) =>
    db.query(
      `UPDATE ${TABLE[kind]} SET status = 'sent', sent_at = now(), message_id = :messageId, lease_until = NULL, last_error = NULL
       WHERE id = :id AND status = 'sending' RETURNING id`,
      { id, messageId },
    ),

  retryLater: (kind: MessageKind, id: string, delaySeconds: number, error: string) =>
    db.query(
      `UPDATE ${TABLE[kind]} SET status = 'queued', lease_until = NULL, last_error = :error,
         next_attempt_at = now() + make_interval(secs => :delaySeconds)
       WHERE id = :id AND status = 'sending' RETURNING id`,
      { id, delaySeconds, error },
    ),

  /** 'bounced' with hardBounce also marks the contact bounced, so no later wave asks that address again. */
  markFailed: (
    kind: MessageKind,
    id: string,
    status: 'failed' | 'bounced' | 'ambiguous',
    error: string,
    contactId?: string,
  ) =>
    db.transaction(async (tx) => {
      const rows = await db.query(
        `UPDATE ${TABLE[kind]} SET status = :status, lease_until = NULL, last_error = :error
         WHERE id = :id AND status = 'sending' RETURNING id`,
        { id, status, error },
        tx,
      );
      if (contactId && rows.length) {
        await db.query(
          `UPDATE contacts SET status = 'bounced', updated_at = now() WHERE id = :contactId AND status = 'subscribed' RETURNING id`,
          { contactId },
          tx,
        );
      }
    }),

  /** Claims never started (shutdown, or too little lease left): back to the queue as if never claimed. */
  release: (kind: MessageKind, ids: string[]) =>
    ids.length
      ? db.query(
          `UPDATE ${TABLE[kind]} SET status = 'queued', attempts = greatest(attempts - 1, 0), lease_until = NULL
           WHERE id IN (:ids) AND status = 'sending' RETURNING id`,
          { ids },
        )
      : Promise.resolve([]),

  /** A claim whose lease ran out may or may not have reached the relay: record that, never resend blindly. */
  markExpiredLeasesAmbiguous: async () => {
    let n = 0;
    for (const table of Object.values(TABLE)) {
      n += (
        await db.query(
          `UPDATE ${table} SET status = 'ambiguous', lease_until = NULL,
           last_error = 'The sender stopped before confirming this message; it may or may not have been delivered.'
         WHERE status = 'sending' AND lease_until < now() RETURNING id`,
        )
      ).length;
    }
    return n;
  },
});
export type OutboxRepository = ReturnType<typeof outboxRepository>;
