import type { Db, Tx } from '../../platform/db';
import { contactWrites } from '../contacts';
import { classify } from './smtpOutcome';

/**
 * Our Message-IDs that a bounce can name (see kinds/): an invitation or its reminder, a personal reply, and the
 * teammates' own mail. The id inside is the row's primary key, so a reported bounce is found by key (these
 * tables have no index on message_id, and need none), then checked against the Message-ID stored when it was sent.
 */
const OURS =
  /^<(delivery|reply|alert|customer-reply)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.reminder-(\d+))?@[^>\s]+>$/i;

/** The table of each kind named above, and the contact its hard bounce marks (none for mail to a teammate). */
const TARGETS = {
  invitation: {
    sql: `UPDATE deliveries SET status = 'bounced', last_error = :why
          WHERE id = :id AND message_id = :messageId AND status IN ('sent', 'ambiguous') RETURNING contact_id AS "contactId"`,
  },
  reminder: {
    sql: `UPDATE reminders rm SET status = 'bounced', last_error = :why FROM deliveries d
          WHERE rm.delivery_id = :id AND rm.message_id = :messageId AND rm.status IN ('sent', 'ambiguous') AND d.id = rm.delivery_id
          RETURNING d.contact_id AS "contactId"`,
  },
  reply: {
    sql: `UPDATE replies SET status = 'bounced', last_error = :why
          WHERE id = :id AND message_id = :messageId AND status IN ('sent', 'ambiguous') RETURNING contact_id AS "contactId"`,
  },
  alert: {
    sql: `UPDATE alerts SET status = 'bounced', last_error = :why
          WHERE id = :id AND message_id = :messageId AND status IN ('sent', 'ambiguous') RETURNING NULL AS "contactId"`,
  },
  customerReply: {
    sql: `UPDATE customer_reply_notices SET status = 'bounced', last_error = :why
          WHERE id = :id AND message_id = :messageId AND status IN ('sent', 'ambiguous') RETURNING NULL AS "contactId"`,
  },
} as const;

export type ReportedBounce = {
  /** The Message-ID of our message the report is about. */
  messageId: string;
  /** The DSN's status (e.g. 5.1.1) and what the receiving server said. */
  status: string;
  diagnostic: string;
};

/**
 * A bounce that came back by mail (a delivery status notification, after the relay had accepted the message):
 * settled like one the relay gave us at once. The message becomes 'bounced' with the report's words, and a hard
 * bounce (5.1.x, 5.2.1: the address itself is bad, same rule as `classify`) marks the contact bounced so no
 * later wave asks it again. Only a message we sent (its stored Message-ID matches) is touched. Returns what was
 * bounced, or null when the report names nothing of ours.
 */
export function bounceReported(db: Db, contacts = contactWrites(db)) {
  return async (b: ReportedBounce, tx: Tx): Promise<{ kind: keyof typeof TARGETS; hard: boolean } | null> => {
    const m = OURS.exec(b.messageId.trim());
    if (!m) return null;
    const kind: keyof typeof TARGETS =
      m[1]!.toLowerCase() === 'delivery'
        ? m[3]
          ? 'reminder'
          : 'invitation'
        : m[1]!.toLowerCase() === 'reply'
          ? 'reply'
          : m[1]!.toLowerCase() === 'alert'
            ? 'alert'
            : 'customerReply';
    const why = `Bounced after delivery: ${b.status} ${b.diagnostic}`.trim().slice(0, 1000);
    const rows = await db.query<{ contactId: string | null }>(
      TARGETS[kind].sql,
      { id: m[2]!.toLowerCase(), messageId: b.messageId.trim(), why },
      tx,
    );
    if (!rows.length) return null;
    const hard =
      classify(Object.assign(new Error(b.diagnostic), { responseCode: 550, response: b.status })) === 'hard-bounce';
    const contactId = rows[0]!.contactId;
    if (hard && contactId) await contacts.bounce(contactId, tx);
    return { kind, hard };
  };
}
