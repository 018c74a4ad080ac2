import path from 'node:path';
import ejs from 'ejs';
import type { OutgoingMail } from '../../../platform/mail';
import { VIEWS_DIR } from '../../../platform/paths';
import type { OutboxKind } from './kind';

/**
 * Tells a teammate that the customer wrote back (table `customer_reply_notices`, queued by inbound when a
 * message is matched to a conversation). Read when it is sent; the message's text is as received, history
 * stripped.
 */
export type CustomerReplyRow = {
  kind: 'customerReply';
  id: string;
  attempts: number;
  workspaceId: string;
  responseId: string;
  toName: string;
  toEmail: string;
  /** The contact's name, else the sender's, else their address. */
  contactName: string;
  surveyTitle: string;
  body: string;
  attachments: { name: string }[];
  workspaceName: string;
};

const messageId = (row: CustomerReplyRow, domain: string) => `<customer-reply-${row.id}@${domain}>`;

export const customerReply: OutboxKind<CustomerReplyRow> = {
  kind: 'customerReply',
  table: 'customer_reply_notices',
  // Queued only for teammates who wanted alerts; this catches one who left or opted out since.
  checked: `SELECT p.id, u.id IS NULL OR NOT u.alerts_enabled AS stop,
        CASE WHEN u.id IS NULL THEN 'The teammate is no longer in the workspace; not sent.'
             ELSE 'The teammate turned alerts off; not sent.' END AS why
      FROM picked p JOIN customer_reply_notices n ON n.id = p.id
      LEFT JOIN memberships m ON m.user_id = n.user_id AND m.workspace_id = n.workspace_id
      LEFT JOIN users u ON u.id = m.user_id`,
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", im.response_id AS "responseId",
       u.name AS "toName", u.email AS "toEmail",
       coalesce(nullif(ct.name, ''), nullif(im.from_name, ''), ct.email, im.from_address) AS "contactName",
       s.title AS "surveyTitle", im.body, im.attachments, ws.name AS "workspaceName"
     FROM claimed c
     JOIN users u ON u.id = c.user_id
     JOIN inbound_messages im ON im.id = c.inbound_message_id
     JOIN responses r ON r.id = im.response_id
     LEFT JOIN contacts ct ON ct.id = r.contact_id
     JOIN surveys s ON s.id = r.survey_id
     JOIN workspaces ws ON ws.id = c.workspace_id
     WHERE c.status = 'sending'`,
  messageId,
  compose: async (row, ctx) => ({
    ...(await render(row, ctx.publicUrl)),
    from: { name: 'Rapport', address: ctx.mailFrom },
    messageId: messageId(row, ctx.domain),
  }),
  // The address is a teammate's.
  bouncedContactId: () => null,
};

/** Who wrote back, their words, and the link. Internal mail: no List-Unsubscribe; alerts are turned off on Team. */
async function render(d: CustomerReplyRow, publicUrl: string): Promise<Omit<OutgoingMail, 'from' | 'messageId'>> {
  const body = d.body.trim() || '(no text)';
  const subject = `${d.contactName} wrote back about '${d.surveyTitle}'`;
  const conversationUrl = `${publicUrl}/inbox/${d.responseId}`;
  const teamUrl = `${publicUrl}/team`;
  const text = [
    `${subject}:`,
    '',
    body,
    ...(d.attachments.length ? ['', `Attached: ${d.attachments.map((a) => a.name).join(', ')}`] : []),
    '',
    `Open the conversation (it is open again): ${conversationUrl}`,
    '',
    `— Rapport, ${d.workspaceName}. You get this because the conversation is yours (or unassigned and you are an owner or admin). Turn alerts off: ${teamUrl}`,
  ].join('\n');
  const html = await ejs.renderFile(
    path.join(VIEWS_DIR, 'emails/customer-reply.ejs'),
    { d, subject, body, conversationUrl, teamUrl },
    { async: false },
  );
  return { to: { name: d.toName, address: d.toEmail }, subject, html, text, headers: {} };
}
