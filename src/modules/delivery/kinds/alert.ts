import { ABOUT_ANSWER, teammateNotice, type AboutAnswer, type TeammateNoticeRow } from './teammateNotice';

/**
 * An alert to a teammate about one unhappy answer (table `alerts`, queued by the conversations trigger). Read
 * when it is sent, so the latest comment shows; the contact may be gone (a public link, or erased).
 */
export type AlertRow = TeammateNoticeRow & AboutAnswer & { kind: 'alert' };

export const alert = teammateNotice<AlertRow>({
  kind: 'alert',
  table: 'alerts',
  messageIdPrefix: 'alert',
  // A conversation someone already answered or closed while the alert waited: nobody needs telling then.
  stops: [
    { when: `cv.status = 'closed'`, why: 'The conversation was closed before the alert was due; not sent.' },
    { when: 'rp.replied', why: 'Someone replied before the alert was due; not sent.' },
  ],
  stopJoins: `LEFT JOIN conversations cv ON cv.response_id = n.response_id
      CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM replies r WHERE r.response_id = n.response_id) AS replied) rp`,
  ...ABOUT_ANSWER,
  template: 'alert',
  because: 'You get this because the conversation is yours (or unassigned and you are an owner or admin).',
  // Who answered what, their comment, and the link to answer them.
  content: (d, { conversationUrl }) => {
    const subject = `${d.contactName} answered ${d.score ?? '–'} to '${d.surveyTitle}'`;
    const comment = d.comment?.trim() || null;
    return {
      subject,
      lines: [comment ? `${subject}: '${comment}'` : `${subject}.`, '', `Answer them: ${conversationUrl}`],
      locals: { comment },
    };
  },
});
