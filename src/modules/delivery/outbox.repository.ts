import type { Db } from '../../platform/db';
import type { Question } from '../surveys';

/** Everything needed to render and send one invitation, read in one query for a claimed batch. */
export type ClaimedDelivery = {
  id: string;
  attempts: number;
  tokenSealed: string;
  contactId: string;
  contactName: string;
  contactEmail: string;
  surveyTitle: string;
  questions: Question[];
  senderName: string;
  workspaceName: string;
  postalAddress: string;
  /** The email's language: the contact's locale wins over the survey's. */
  surveyLanguage: string;
  contactLocale: string | null;
};

export const outboxRepository = (db: Db) => ({
  /**
   * Claim due deliveries. SKIP LOCKED lets any number of workers share the outbox without waiting on each
   * other; the lease says how long a claim may stay unsettled before it is counted as ambiguous.
   */
  claim: (limit: number, leaseSeconds: number) =>
    db.query<ClaimedDelivery>(
      `WITH claimed AS (
         UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1,
           lease_until = now() + make_interval(secs => :leaseSeconds)
         WHERE d.id IN (
           SELECT id FROM deliveries WHERE status = 'queued' AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
         RETURNING d.*)
       SELECT c.id, c.attempts, c.token_sealed AS "tokenSealed", c.contact_id AS "contactId",
         ct.name AS "contactName", ct.email AS "contactEmail", s.title AS "surveyTitle", v.questions,
         ws.sender_name AS "senderName", ws.name AS "workspaceName", ws.postal_address AS "postalAddress",
         s.language AS "surveyLanguage", ct.locale AS "contactLocale"
       FROM claimed c
       JOIN contacts ct ON ct.id = c.contact_id
       JOIN waves w ON w.id = c.wave_id
       JOIN surveys s ON s.id = w.survey_id
       JOIN survey_versions v ON v.survey_id = w.survey_id AND v.version = w.survey_version
       JOIN workspaces ws ON ws.id = c.workspace_id`,
      { limit, leaseSeconds },
    ),

  markSent: (id: string, messageId: string) =>
    db.query(
      `UPDATE deliveries SET status = 'sent', sent_at = now(), message_id = :messageId, lease_until = NULL, last_error = NULL
       WHERE id = :id AND status = 'sending' RETURNING id`,
      { id, messageId },
    ),

  retryLater: (id: string, delaySeconds: number, error: string) =>
    db.query(
      `UPDATE deliveries SET status = 'queued', lease_until = NULL, last_error = :error,
         next_attempt_at = now() + make_interval(secs => :delaySeconds)
       WHERE id = :id AND status = 'sending' RETURNING id`,
      { id, delaySeconds, error },
    ),

  markFailed: (id: string, status: 'failed' | 'bounced', error: string) =>
    db.transaction(async (tx) => {
      const rows = await db.query<{ contactId: string }>(
        `UPDATE deliveries SET status = :status, lease_until = NULL, last_error = :error
         WHERE id = :id AND status = 'sending' RETURNING contact_id AS "contactId"`,
        { id, status, error },
        tx,
      );
      if (status === 'bounced' && rows[0]) {
        await db.query(`UPDATE contacts SET status = 'bounced', updated_at = now() WHERE id = :contactId AND status = 'subscribed' RETURNING id`, rows[0], tx);
      }
    }),

  /** A claim whose lease ran out may or may not have reached the relay: record that, never resend blindly. */
  markExpiredLeasesAmbiguous: async () =>
    (await db.query(
      `UPDATE deliveries SET status = 'ambiguous', lease_until = NULL,
         last_error = 'The sender stopped before confirming this message; it may or may not have been delivered.'
       WHERE status = 'sending' AND lease_until < now() RETURNING id`,
    )).length,

});
export type OutboxRepository = ReturnType<typeof outboxRepository>;
