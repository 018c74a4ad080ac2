import path from 'node:path';
import ejs from 'ejs';
import { pickLocale, translator } from '../../platform/i18n';
import { VIEWS_DIR } from '../../platform/paths';
import { primaryScale, scaleRange } from '../surveys';
import { csatLabel, endLabels } from '../responses';
import type { ClaimedDelivery } from './outbox.repository';

// Headers (List-Unsubscribe, Reply-To, threading) are the worker's: this is the message's content only.
export type RenderedInvitation = { subject: string; html: string; text: string };
export type InvitationOptions = { reminder?: boolean };

/**
 * The invitation, in the contact's language (else the survey's): the first scale question as one-click
 * links, each carrying this recipient's own token, a visible unsubscribe link and the postal address.
 * The links only preselect a score; the page confirms it (see responses.routes.ts).
 */
export async function renderInvitation(
  d: ClaimedDelivery,
  token: string,
  publicUrl: string,
  options: InvitationOptions = {},
): Promise<RenderedInvitation> {
  const locale = pickLocale(d.contactLocale, d.surveyLanguage);
  const t = translator(locale);
  const link = `${publicUrl}/r/${token}`;
  const unsubscribe = `${link}/unsubscribe`;
  const question = primaryScale(d.questions);
  const scores = question
    ? rangeOf(scaleRange(question)).map((s) => ({
        value: s,
        url: `${link}?score=${s}`,
        label: question.type === 'csat' ? csatLabel(t, s) : '',
      }))
    : [];
  const ends = question ? endLabels(question, t) : undefined;
  const locals = {
    d,
    t,
    locale,
    question,
    scores,
    ends,
    link,
    unsubscribe,
    honeypot: `${link}/h`,
    reminder: !!options.reminder,
  };
  const html = await ejs.renderFile(path.join(VIEWS_DIR, 'emails/invitation.ejs'), locals, { async: false });
  const text = [
    ...(options.reminder ? [t('emailReminder'), ''] : []),
    question ? question.text : d.surveyTitle,
    '',
    ...(question
      ? [
          ...(ends ? [`${scores[0]!.value} = ${ends[0]}, ${scores[scores.length - 1]!.value} = ${ends[1]}`] : []),
          ...scores.map((s) => `${s.value}${s.label ? ` (${s.label})` : ''}: ${s.url}`),
        ]
      : [`${t('emailAnswer')}: ${link}`]),
    '',
    `— ${d.senderName}, ${d.workspaceName}`,
    '',
    t('emailWhy', { workspace: d.workspaceName }),
    `${t('emailUnsubscribe')}: ${unsubscribe}`,
    d.postalAddress,
  ].join('\n');
  return {
    subject: options.reminder ? t('emailReminderSubject', { title: d.surveyTitle }) : d.surveyTitle,
    html,
    text,
  };
}

const rangeOf = ([lo, hi]: [number, number]) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
