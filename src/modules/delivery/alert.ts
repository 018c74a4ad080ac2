import path from 'node:path';
import ejs from 'ejs';
import type { OutgoingMail } from '../../platform/mail';
import { VIEWS_DIR } from '../../platform/paths';
import type { ClaimedDelivery } from './outbox.repository';

/**
 * An alert to a teammate: who answered what, their comment, and the link to answer them. Internal mail, so
 * no List-Unsubscribe: each teammate turns alerts off on the Team page, and the email says where.
 */
export async function renderAlert(
  d: ClaimedDelivery,
  publicUrl: string,
): Promise<Omit<OutgoingMail, 'from' | 'messageId'>> {
  const a = d.alert!;
  const subject = `${d.contactName} answered ${a.score ?? '–'} to '${d.surveyTitle}'`;
  const comment = a.comment?.trim() || null;
  const conversationUrl = `${publicUrl}/inbox/${a.responseId}`;
  const teamUrl = `${publicUrl}/team`;
  const text = [
    comment ? `${subject}: '${comment}'` : `${subject}.`,
    '',
    `Answer them: ${conversationUrl}`,
    '',
    `— Rapport, ${d.workspaceName}. You get this because the conversation is yours (or unassigned and you are an owner or admin). Turn alerts off: ${teamUrl}`,
  ].join('\n');
  const html = await ejs.renderFile(
    path.join(VIEWS_DIR, 'emails/alert.ejs'),
    { d, subject, comment, conversationUrl, teamUrl },
    { async: false },
  );
  return { to: { name: a.toName, address: a.toEmail }, subject, html, text, headers: {} };
}
