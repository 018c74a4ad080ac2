import type { OutboxKind } from './kind';
import { composeSurveyMail, invitationMessageId, surveyMailRead, type SurveyMail } from './invitation';

/** A reminder: the invitation again, with the same link, to someone who has not answered (table `reminders`). */
export type ReminderRow = SurveyMail & { kind: 'reminder'; reminderSeq: number };

const messageId = (row: ReminderRow, domain: string) =>
  `<delivery-${row.deliveryId}.reminder-${row.reminderSeq}@${domain}>`;

export const reminder: OutboxKind<ReminderRow> = {
  kind: 'reminder',
  table: 'reminders',
  // Stopped for anyone no longer subscribed, and for anyone who answered since it was queued.
  checked: `SELECT p.id,
        ct.status <> 'subscribed' OR EXISTS (SELECT 1 FROM responses r WHERE r.delivery_id = rm.delivery_id) AS stop,
        CASE WHEN ct.status <> 'subscribed' THEN 'The contact is ' || ct.status || '; not sent.'
             ELSE 'The contact answered; no reminder needed.' END AS why
      FROM picked p JOIN reminders rm ON rm.id = p.id JOIN deliveries d ON d.id = rm.delivery_id
      JOIN contacts ct ON ct.id = d.contact_id`,
  read: surveyMailRead('c.delivery_id', `, c.seq AS "reminderSeq"`),
  messageId,
  compose(row, ctx) {
    // It threads under its invitation in the recipient's mail client.
    const invitation = invitationMessageId(row.deliveryId, ctx.domain);
    return composeSurveyMail(row, ctx, {
      messageId: messageId(row, ctx.domain),
      reminder: true,
      headers: { 'In-Reply-To': invitation, References: invitation },
    });
  },
  bouncedContactId: (row) => row.contactId,
};
