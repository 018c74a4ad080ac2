import crypto from 'node:crypto';
import type { Db, Tx } from '../../platform/db';
import { hashToken, newToken, type Sealer } from '../../platform/tokens';
import { contactWrites } from '../contacts';

/**
 * A year of history, written as it would have been had Rapport run all year: waves that went out, their
 * deliveries (sent, a few bounced), answers, and the team's replies, notes and closed conversations.
 *
 * Why SQL here and not the use cases: every use case stamps `now()` and queues email (a wave's invitations,
 * a reply), and a demo must neither date a year of answers today nor email anyone. So the rows are written
 * with their own dates, already sent, in the tables' own shape — and everything derived from them is left to
 * the database's triggers, exactly as for a respondent's answer: the insights rollup (deltas), the
 * conversation of each answer, the contact's last band. Nothing here computes a number a dashboard shows.
 * Contacts are touched only through contacts' `contactWrites` (the invitation date).
 */
export type WaveRow = {
  workspaceId: string;
  surveyId: string;
  version: number;
  scheduleId: string | null;
  at: Date;
  createdBy: string;
  audience: number;
  recipients: { contactId: string; bounced: boolean }[];
};

export type AnswerRow = {
  id: string;
  contactIndex: number;
  score: number | null;
  answers: Record<string, unknown>;
  comment: string | null;
  submittedAt: Date;
  completed: boolean;
  locale: string;
};

export type ReplyRow = {
  responseId: string;
  contactId: string;
  author: { id: string; name: string; email: string };
  body: string;
  at: Date;
};

export function demoHistory(db: Db, sealer: Sealer) {
  const contacts = contactWrites(db);
  return {
    /** One wave, its deliveries and the answers to it (answers point at recipients by index), in one transaction. */
    async wave(w: WaveRow, answers: AnswerRow[]) {
      await db.transaction(async (tx) => {
        const waveId = crypto.randomUUID();
        await db.execute(
          `INSERT INTO waves (id, workspace_id, survey_id, survey_version, schedule_id, slot_at, kind, status, audience,
             recipients, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $6)`,
          [
            waveId,
            w.workspaceId,
            w.surveyId,
            w.version,
            w.scheduleId,
            w.at,
            w.scheduleId ? 'scheduled' : 'manual',
            w.audience,
            w.recipients.length,
            w.createdBy,
          ],
          tx,
        );
        const deliveryIds = w.recipients.map(() => crypto.randomUUID());
        const tokens = w.recipients.map(() => newToken());
        await db.execute(
          `INSERT INTO deliveries (id, workspace_id, wave_id, contact_id, token_hash, token_sealed, status, attempts,
             next_attempt_at, sent_at, last_error, created_at)
           SELECT t.id, $1, $2, t.contact_id, t.token_hash, t.token_sealed,
             CASE WHEN t.bounced THEN 'bounced' ELSE 'sent' END, 1, $3,
             CASE WHEN t.bounced THEN NULL ELSE $3::timestamptz + interval '2 minutes' END,
             CASE WHEN t.bounced THEN '550 5.2.2 Mailbox full' END, $3
           FROM unnest($4::uuid[], $5::uuid[], $6::bytea[], $7::text[], $8::boolean[])
             AS t(id, contact_id, token_hash, token_sealed, bounced)`,
          [
            w.workspaceId,
            waveId,
            w.at,
            deliveryIds,
            w.recipients.map((r) => r.contactId),
            tokens.map(hashToken),
            tokens.map((t) => sealer.seal(t)),
            w.recipients.map((r) => r.bounced),
          ],
          tx,
        );
        await contacts.invited(
          w.recipients.map((r) => r.contactId),
          w.at,
          tx,
        );
        // A hard bounce marks the contact, as the outbox does: later waves leave them out.
        for (const r of w.recipients) if (r.bounced) await contacts.bounce(r.contactId, tx);
        if (!answers.length) return;
        // One statement for the wave's answers: the rollup trigger appends one set of deltas for all of them.
        await db.execute(
          `INSERT INTO responses (id, workspace_id, survey_id, survey_version, delivery_id, contact_id, score, comment,
             answers, submitted_at, created_at, updated_at, completed_at, locale)
           SELECT a.id, $1, $2, $3, a.delivery_id, a.contact_id, a.score, a.comment, a.answers, a.at, a.at, a.at,
             CASE WHEN a.completed THEN a.at END, a.locale
           FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::smallint[], $8::text[], $9::jsonb[], $10::timestamptz[],
             $11::boolean[], $12::text[]) AS a(id, delivery_id, contact_id, score, comment, answers, at, completed, locale)
           ORDER BY a.at`,
          [
            w.workspaceId,
            w.surveyId,
            w.version,
            answers.map((a) => a.id),
            answers.map((a) => deliveryIds[a.contactIndex]),
            answers.map((a) => w.recipients[a.contactIndex]!.contactId),
            answers.map((a) => a.score),
            answers.map((a) => a.comment),
            answers.map((a) => JSON.stringify(a.answers)),
            answers.map((a) => a.submittedAt),
            answers.map((a) => a.completed),
            answers.map((a) => a.locale),
          ],
          tx,
        );
      });
    },

    /** The team's side of the conversations: replies already sent, notes, owners and closed conversations. */
    async followups(
      workspaceId: string,
      f: {
        replies: ReplyRow[];
        notes: { responseId: string; author: { id: string; name: string }; body: string; at: Date }[];
        closed: { responseId: string; by: string; at: Date }[];
      },
    ) {
      await db.transaction(async (tx: Tx) => {
        await db.execute(
          `INSERT INTO replies (workspace_id, response_id, contact_id, author_user_id, author_name, author_email, body,
             status, attempts, next_attempt_at, sent_at, created_at)
           SELECT $1, r.response_id, r.contact_id, r.author_id, r.author_name, r.author_email, r.body, 'sent', 1, r.at,
             r.at + interval '1 minute', r.at
           FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
             AS r(response_id, contact_id, author_id, author_name, author_email, body, at)`,
          [
            workspaceId,
            f.replies.map((r) => r.responseId),
            f.replies.map((r) => r.contactId),
            f.replies.map((r) => r.author.id),
            f.replies.map((r) => r.author.name),
            f.replies.map((r) => r.author.email),
            f.replies.map((r) => r.body),
            f.replies.map((r) => r.at),
          ],
          tx,
        );
        // Whoever replied to an unowned answer owns it, as the reply use case decides.
        await db.execute(
          `UPDATE conversations c SET owner_user_id = r.author_id
           FROM unnest($2::uuid[], $3::uuid[]) AS r(response_id, author_id)
           WHERE c.workspace_id = $1 AND c.response_id = r.response_id AND c.owner_user_id IS NULL`,
          [workspaceId, f.replies.map((r) => r.responseId), f.replies.map((r) => r.author.id)],
          tx,
        );
        await db.execute(
          `INSERT INTO followup_notes (workspace_id, response_id, author_user_id, author_name, body, created_at)
           SELECT $1, n.response_id, n.author_id, n.author_name, n.body, n.at
           FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[])
             AS n(response_id, author_id, author_name, body, at)`,
          [
            workspaceId,
            f.notes.map((n) => n.responseId),
            f.notes.map((n) => n.author.id),
            f.notes.map((n) => n.author.name),
            f.notes.map((n) => n.body),
            f.notes.map((n) => n.at),
          ],
          tx,
        );
        await db.execute(
          `UPDATE conversations c SET status = 'closed', closed_at = x.at, closed_by = x.by, updated_at = x.at
           FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[]) AS x(response_id, by, at)
           WHERE c.workspace_id = $1 AND c.response_id = x.response_id`,
          [workspaceId, f.closed.map((c) => c.responseId), f.closed.map((c) => c.by), f.closed.map((c) => c.at)],
          tx,
        );
      });
    },
  };
}
