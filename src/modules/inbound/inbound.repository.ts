import type { Db, Tx } from '../../platform/db';
import type { InboundMail } from './read';

export type Match = { workspaceId: string; responseId: string | null; how: 'token' | 'message_id'; note?: string };

export type StoredMessage = {
  id: string;
  kind: 'reply' | 'auto_reply' | 'bounce';
  fromAddress: string;
  fromName: string;
  toText: string;
  subject: string;
  body: string;
  attachments: { name: string; type: string; size: number }[];
  note: string | null;
  receivedAt: Date;
};

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The only SQL on inbound's tables (`reply_addresses`, `inbound_messages`, `customer_reply_notices`). */
export const inboundRepository = (db: Db) => ({
  /** The conversation whose reply address carries this token (by its hash). */
  byToken: (tokenHash: Buffer) =>
    db.one<{ workspaceId: string; responseId: string }>(
      `SELECT workspace_id AS "workspaceId", response_id AS "responseId" FROM reply_addresses WHERE token_hash = :tokenHash`,
      { tokenHash },
    ),

  /**
   * The conversation one of our own Message-IDs belongs to: an invitation or reminder (`<delivery-<id>…@domain>`:
   * its answer's conversation) or a personal reply (`<reply-<id>@domain>`). Found by the id inside, then checked
   * against the Message-ID stored when it was sent: a made-up id of the right shape matches nothing.
   */
  async byMessageId(messageId: string, domain: string): Promise<Match | undefined> {
    const at = `@${domain.toLowerCase()}>`;
    if (!messageId.toLowerCase().endsWith(at)) return undefined;
    const invitation = new RegExp(`^<delivery-(${UUID})(\\.reminder-\\d+)?@`, 'i').exec(messageId);
    if (invitation) {
      const row = await db.one<{ workspaceId: string; responseId: string | null }>(
        `SELECT d.workspace_id AS "workspaceId", r.id AS "responseId" FROM deliveries d
         LEFT JOIN responses r ON r.delivery_id = d.id
         WHERE d.id = :id AND (d.message_id = :messageId
           OR EXISTS (SELECT 1 FROM reminders rm WHERE rm.delivery_id = d.id AND rm.message_id = :messageId))`,
        { id: invitation[1]!.toLowerCase(), messageId },
      );
      if (!row) return undefined;
      return row.responseId
        ? { ...row, how: 'message_id' }
        : { ...row, how: 'message_id', note: 'An answer to an invitation the contact has not answered yet.' };
    }
    const reply = new RegExp(`^<reply-(${UUID})@`, 'i').exec(messageId);
    if (!reply) return undefined;
    const row = await db.one<{ workspaceId: string; responseId: string }>(
      `SELECT workspace_id AS "workspaceId", response_id AS "responseId" FROM replies WHERE id = :id AND message_id = :messageId`,
      { id: reply[1]!.toLowerCase(), messageId },
    );
    return row && { ...row, how: 'message_id' };
  },

  /** The one workspace where this address is a contact, if exactly one: where an unmatched message is shown. */
  soleWorkspaceOf: async (email: string) => {
    const rows = await db.query<{ workspaceId: string }>(
      `SELECT DISTINCT workspace_id AS "workspaceId" FROM contacts WHERE lower(email) = lower(:email) LIMIT 2`,
      { email },
    );
    return rows.length === 1 ? rows[0]!.workspaceId : null;
  },

  /** Stores it once: false when this Message-ID was already stored (by another copy, instance or path). */
  insert: async (
    m: InboundMail & {
      workspaceId: string | null;
      responseId: string | null;
      kind: StoredMessage['kind'];
      matchedBy: Match['how'] | null;
      source: 'smtp' | 'imap';
      note: string | null;
    },
    tx: Tx,
  ) =>
    db.one<{ id: string }>(
      `INSERT INTO inbound_messages (workspace_id, response_id, message_id, kind, matched_by, source, from_address, from_name,
         to_text, subject, body, attachments, note)
       VALUES (:workspaceId, :responseId, :messageId, :kind, :matchedBy, :source, :fromAddress, :fromName,
         :toText, :subject, :body, :attachments, :note)
       ON CONFLICT (message_id) DO NOTHING RETURNING id`,
      { ...m, attachments: JSON.stringify(m.attachments) },
      tx,
    ),

  /**
   * One notice per teammate to tell: the conversation's owner if still in the workspace, else every owner and
   * admin; only those who want alerts.
   */
  queueNotices: (inboundMessageId: string, workspaceId: string, responseId: string, tx: Tx) =>
    db.execute(
      `WITH owner AS (
         SELECT cv.owner_user_id AS user_id FROM conversations cv
         JOIN memberships m ON m.user_id = cv.owner_user_id AND m.workspace_id = cv.workspace_id
         WHERE cv.response_id = :responseId AND cv.workspace_id = :workspaceId),
       recipients AS (
         SELECT user_id FROM owner
         UNION ALL
         SELECT m.user_id FROM memberships m WHERE m.workspace_id = :workspaceId AND m.role IN ('owner', 'admin')
           AND NOT EXISTS (SELECT 1 FROM owner))
       INSERT INTO customer_reply_notices (workspace_id, inbound_message_id, user_id)
       SELECT :workspaceId, :inboundMessageId, r.user_id FROM recipients r JOIN users u ON u.id = r.user_id
       WHERE u.alerts_enabled
       ON CONFLICT DO NOTHING`,
      { inboundMessageId, workspaceId, responseId },
      tx,
    ),

  /** The conversation a received message landed in (null: unmatched, or not received). */
  conversationOf: async (messageId: string) =>
    (
      await db.one<{ responseId: string | null }>(
        `SELECT response_id AS "responseId" FROM inbound_messages WHERE message_id = :messageId`,
        { messageId },
      )
    )?.responseId ?? null,

  /** A conversation's messages from the customer, oldest first (the thread interleaves them with replies). */
  thread: (workspaceId: string, responseId: string) =>
    db.query<StoredMessage>(
      `SELECT id, kind, from_address AS "fromAddress", from_name AS "fromName", to_text AS "toText", subject, body,
         attachments, note, received_at AS "receivedAt"
       FROM inbound_messages WHERE workspace_id = :workspaceId AND response_id = :responseId
       ORDER BY received_at, id`,
      { workspaceId, responseId },
    ),

  /**
   * Messages nothing of ours matched (a bounce we recognised is not one: its delivery says it bounced): the
   * workspace's own (its contact wrote, or an answer to an invitation not
   * yet answered), and, for the install's first workspace (its operator's), those no workspace can be told from.
   */
  unmatched: (workspaceId: string, limit: number) =>
    db.query<StoredMessage>(
      `SELECT id, kind, from_address AS "fromAddress", from_name AS "fromName", to_text AS "toText", subject, body,
         attachments, note, received_at AS "receivedAt"
       FROM inbound_messages
       WHERE response_id IS NULL AND kind <> 'bounce' AND (workspace_id = :workspaceId
         OR (workspace_id IS NULL AND :workspaceId = (SELECT id FROM workspaces ORDER BY created_at, id LIMIT 1)))
       ORDER BY received_at DESC, id DESC LIMIT :limit`,
      { workspaceId, limit },
    ),
});
export type InboundRepository = ReturnType<typeof inboundRepository>;
