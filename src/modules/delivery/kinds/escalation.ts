import { ABOUT_ANSWER, teammateNotice, type AboutAnswer, type TeammateNoticeRow } from './teammateNotice';

/**
 * An overdue unhappy conversation, told once to each owner/admin (table `escalations`, queued by followups'
 * escalation job). Read when it is sent, so the wait and the owner are current.
 */
export type EscalationRow = TeammateNoticeRow &
  AboutAnswer & {
    kind: 'escalation';
    ownerName: string | null;
    targetHours: number;
    /** Whole hours the customer has waited, at send time. */
    waitedHours: number;
  };

export const escalation = teammateNotice<EscalationRow>({
  kind: 'escalation',
  table: 'escalations',
  messageIdPrefix: 'escalation',
  // Someone may have answered or closed it since the job queued this; then nobody needs telling.
  stops: [
    { when: `cv.status = 'closed'`, why: 'The conversation was closed before the escalation was sent; not sent.' },
    { when: 'cv.awaiting_since IS NULL', why: 'Someone replied before the escalation was sent; not sent.' },
  ],
  stopJoins: `LEFT JOIN conversations cv ON cv.response_id = n.response_id`,
  columns: `${ABOUT_ANSWER.columns},
       o.name AS "ownerName", ws.response_target_hours AS "targetHours",
       floor(extract(epoch FROM now() - coalesce(cv.awaiting_since, cv.submitted_at)) / 3600)::int AS "waitedHours"`,
  joins: `${ABOUT_ANSWER.joins}
     JOIN conversations cv ON cv.response_id = c.response_id
     LEFT JOIN users o ON o.id = cv.owner_user_id`,
  template: 'escalation',
  because: 'Sent once per conversation to owners and admins.',
  content: (d, { publicUrl, conversationUrl }) => {
    const lead = `${d.contactName} answered ${d.score ?? '–'} to '${d.surveyTitle}' and nobody has replied yet; your team aims to reply within ${d.targetHours} h.`;
    const owner = d.ownerName ? `Owner: ${d.ownerName}.` : 'Nobody owns it yet.';
    const comment = d.comment?.trim() || null;
    const overdueUrl = `${publicUrl}/inbox?status=overdue`;
    return {
      subject: `Overdue: ${d.contactName} has waited ${d.waitedHours} h for an answer`,
      lines: [
        lead,
        owner,
        ...(comment ? ['', `'${comment}'`] : []),
        '',
        `Answer them: ${conversationUrl}`,
        `Everything overdue: ${overdueUrl}`,
      ],
      locals: { lead, owner, comment, overdueUrl },
    };
  },
});
