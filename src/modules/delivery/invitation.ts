import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from '../../platform/paths';
import { primaryScale, scaleRange } from '../surveys';
import type { ClaimedDelivery } from './outbox.repository';


export type RenderedInvitation = { subject: string; html: string; text: string; headers: Record<string, string> };

/**
 * The invitation: the first scale question as one-click links, each carrying this recipient's own token,
 * a visible unsubscribe link and the workspace's postal address.
 */
export async function renderInvitation(
  d: ClaimedDelivery,
  token: string,
  publicUrl: string,
  opts: { reminder?: boolean } = {},
): Promise<RenderedInvitation> {
  const link = `${publicUrl}/r/${token}`;
  const unsubscribe = `${link}/unsubscribe`;
  const question = primaryScale(d.questions);
  const scores = question ? rangeOf(scaleRange(question)) : [];
  const locals = { d, question, scores, link, unsubscribe };
  const html = await ejs.renderFile(path.join(VIEWS_DIR, 'emails/invitation.ejs'), locals, { async: false });
  const text = [
    question ? question.text : d.surveyTitle,
    '',
    ...(question
      ? [
          `${question.lowLabel ?? ''} ${scores[0]} … ${scores[scores.length - 1]} ${question.highLabel ?? ''}`.trim(),
          ...scores.map((s) => `${s}: ${link}?score=${s}`),
        ]
      : [link]),
    '',
    `— ${d.senderName}, ${d.workspaceName}`,
    '',
    `Unsubscribe: ${unsubscribe}`,
    d.postalAddress,
  ].join('\n');
  return {
    subject: opts.reminder ? `Reminder: ${d.surveyTitle}` : d.surveyTitle,
    html,
    text,
    headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}

const rangeOf = ([lo, hi]: [number, number]) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
