import path from 'node:path';
import ejs from 'ejs';
import type { OutgoingMail } from '../../platform/mail';
import { VIEWS_DIR } from '../../platform/paths';
import type { ClaimedDelivery } from './outbox.repository';

/**
 * A teammate's personal reply to one answer: their words, their name, their address as Reply-To so the
 * customer's answer reaches a person, threaded under the invitation. No List-Unsubscribe: it is a
 * one-to-one message, and it is only ever sent to a subscribed contact (see followups).
 */
export async function renderReply(
  d: ClaimedDelivery,
  invitationMessageId: string | null,
): Promise<Omit<OutgoingMail, 'from' | 'messageId'>> {
  const body = (d.replyBody ?? '').trim();
  const subject = `Re: ${d.surveyTitle}`;
  const quoted = d.replyToComment ? ['', '> ' + d.replyToComment.split(/\r?\n/).join('\n> ')] : [];
  const text = [body, '', `— ${d.senderName}, ${d.workspaceName}`, ...quoted, '', d.postalAddress].join('\n');
  const paragraphs = body.split(/\r?\n\s*\r?\n/);
  const html = await ejs.renderFile(
    path.join(VIEWS_DIR, 'emails/reply.ejs'),
    { d, subject, paragraphs },
    { async: false },
  );
  return {
    replyTo: d.replyToEmail ? { name: d.senderName, address: d.replyToEmail } : undefined,
    to: { name: d.contactName, address: d.contactEmail },
    subject,
    html,
    text,
    headers: invitationMessageId ? { 'In-Reply-To': invitationMessageId, References: invitationMessageId } : {},
  };
}
