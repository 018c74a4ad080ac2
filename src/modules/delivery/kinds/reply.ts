import path from 'node:path';
import ejs from 'ejs';
import { signOff } from '../../../platform/i18n';
import type { OutgoingMail } from '../../../platform/mail';
import { VIEWS_DIR } from '../../../platform/paths';
import { NOT_SUBSCRIBED, type ComposeContext, type OutboxKind } from './kind';
import { invitationMessageId } from './invitation';

/** A teammate's personal reply to one answer (table `replies`, queued by followups). */
export type ReplyRow = {
  kind: 'reply';
  id: string;
  attempts: number;
  workspaceId: string;
  /** The invitation the answer came from, if any (a public-link answer has none): the reply threads under it. */
  deliveryId: string | null;
  contactId: string;
  contactName: string;
  contactEmail: string;
  surveyTitle: string;
  /** The author, as written when the reply was queued. */
  senderName: string;
  replyToEmail: string;
  workspaceName: string;
  postalAddress: string;
  body: string;
  /** The respondent's comment it answers, quoted under the reply. */
  replyToComment: string | null;
  /** The conversation's reply token, sealed (inbound's reply_addresses), when it has one. */
  replyTokenSealed: string | null;
};

const messageId = (row: ReplyRow, domain: string) => `<reply-${row.id}@${domain}>`;

export const reply: OutboxKind<ReplyRow> = {
  kind: 'reply',
  table: 'replies',
  // A reply is refused up front to anyone not subscribed; this catches an unsubscribe while it was queued.
  checked: `SELECT p.id, ${NOT_SUBSCRIBED} FROM picked p JOIN replies rp ON rp.id = p.id JOIN contacts ct ON ct.id = rp.contact_id`,
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", r.delivery_id AS "deliveryId", c.contact_id AS "contactId",
       ct.name AS "contactName", ct.email AS "contactEmail", s.title AS "surveyTitle",
       c.author_name AS "senderName", c.author_email AS "replyToEmail",
       ws.name AS "workspaceName", ws.postal_address AS "postalAddress", c.body, r.comment AS "replyToComment",
       ra.token_sealed AS "replyTokenSealed"
     FROM claimed c
     JOIN responses r ON r.id = c.response_id
     JOIN contacts ct ON ct.id = c.contact_id
     JOIN surveys s ON s.id = r.survey_id
     JOIN workspaces ws ON ws.id = c.workspace_id
     LEFT JOIN reply_addresses ra ON ra.response_id = c.response_id
     WHERE c.status = 'sending'`,
  messageId,
  compose: async (row, ctx) => ({
    ...(await renderReply(
      row,
      row.deliveryId ? invitationMessageId(row.deliveryId, ctx.domain) : null,
      replyAddress(row, ctx),
    )),
    from: { name: row.senderName, address: ctx.mailFrom },
    messageId: messageId(row, ctx.domain),
  }),
  bouncedContactId: (row) => row.contactId,
};

/**
 * Where the customer's answer should go: the conversation's own address (reply+<token>@<INBOUND_DOMAIN>), so it
 * comes back into the thread, when Rapport receives mail and the conversation has one.
 */
const replyAddress = (row: ReplyRow, ctx: ComposeContext) =>
  ctx.inboundDomain && row.replyTokenSealed
    ? `reply+${ctx.sealer.open(row.replyTokenSealed)}@${ctx.inboundDomain}`
    : null;

/**
 * A teammate who signed their message ("Thanks! — Sam", "Best,\nSam Lee") gets no second signature: the last
 * line names them by their first name, or starts with a dash.
 */
export function signedBy(body: string, senderName: string): boolean {
  const last = body.trim().split(/\r?\n/).pop()?.trim().toLowerCase() ?? '';
  const first = senderName.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return (
    /^(—|–|-)/.test(last) ||
    (first.length >= 2 && new RegExp(`(^|[^\\p{L}])${escapeRe(first)}([^\\p{L}]|$)`, 'u').test(last))
  );
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Their words, their name, their address as Reply-To so the customer's answer reaches a person, threaded under
 * the invitation. No List-Unsubscribe: it is a one-to-one message, and it is only ever sent to a subscribed
 * contact (see followups).
 */
async function renderReply(
  d: ReplyRow,
  invitationMessageId: string | null,
  conversationAddress: string | null,
): Promise<Omit<OutgoingMail, 'from' | 'messageId'>> {
  const body = d.body.trim();
  const subject = `Re: ${d.surveyTitle}`;
  const quoted = d.replyToComment ? ['', '> ' + d.replyToComment.split(/\r?\n/).join('\n> ')] : [];
  const signature = signedBy(body, d.senderName) ? null : signOff(d.senderName, d.workspaceName);
  const text = [body, ...(signature ? ['', `— ${signature}`] : []), ...quoted, '', d.postalAddress].join('\n');
  const paragraphs = body.split(/\r?\n\s*\r?\n/);
  const html = await ejs.renderFile(
    path.join(VIEWS_DIR, 'emails/reply.ejs'),
    { d, subject, paragraphs, signature },
    { async: false },
  );
  // Both: the conversation's address brings the answer into the thread, the teammate's own still gets it as before.
  const replyTo = [
    ...(conversationAddress ? [{ name: d.senderName, address: conversationAddress }] : []),
    ...(d.replyToEmail ? [{ name: d.senderName, address: d.replyToEmail }] : []),
  ];
  return {
    replyTo: replyTo.length ? replyTo : undefined,
    to: { name: d.contactName, address: d.contactEmail },
    subject,
    html,
    text,
    headers: invitationMessageId ? { 'In-Reply-To': invitationMessageId, References: invitationMessageId } : {},
  };
}
