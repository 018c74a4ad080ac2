import path from 'node:path';
import ejs from 'ejs';
import type { OutgoingMail } from '../../../platform/mail';
import { VIEWS_DIR } from '../../../platform/paths';
import type { OutboxKind } from './kind';

/**
 * An overdue unhappy conversation, told once to each owner/admin (table `escalations`, queued by followups'
 * escalation job). Read when it is sent, so the wait and the owner are current.
 */
export type EscalationRow = {
  kind: 'escalation';
  id: string;
  attempts: number;
  workspaceId: string;
  responseId: string;
  toName: string;
  toEmail: string;
  score: number | null;
  comment: string | null;
  /** The contact's name, else their email, else "Someone". */
  contactName: string;
  surveyTitle: string;
  workspaceName: string;
  ownerName: string | null;
  targetHours: number;
  /** Whole hours the customer has waited, at send time. */
  waitedHours: number;
};

const messageId = (row: EscalationRow, domain: string) => `<escalation-${row.id}@${domain}>`;

export const escalation: OutboxKind<EscalationRow> = {
  kind: 'escalation',
  table: 'escalations',
  // Someone may have answered or closed it since the job queued this; then nobody needs telling.
  checked: `SELECT p.id, u.id IS NULL OR NOT u.alerts_enabled OR cv.status = 'closed' OR cv.awaiting_since IS NULL AS stop,
        CASE WHEN u.id IS NULL THEN 'The teammate is no longer in the workspace; not sent.'
             WHEN NOT u.alerts_enabled THEN 'The teammate turned alerts off; not sent.'
             WHEN cv.status = 'closed' THEN 'The conversation was closed before the escalation was sent; not sent.'
             ELSE 'Someone replied before the escalation was sent; not sent.' END AS why
      FROM picked p JOIN escalations e ON e.id = p.id
      LEFT JOIN memberships m ON m.user_id = e.user_id AND m.workspace_id = e.workspace_id
      LEFT JOIN users u ON u.id = m.user_id
      LEFT JOIN conversations cv ON cv.response_id = e.response_id`,
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", r.id AS "responseId", u.name AS "toName", u.email AS "toEmail",
       r.score, r.comment, coalesce(nullif(ct.name, ''), ct.email, 'Someone') AS "contactName", s.title AS "surveyTitle",
       ws.name AS "workspaceName", o.name AS "ownerName", ws.response_target_hours AS "targetHours",
       floor(extract(epoch FROM now() - coalesce(cv.awaiting_since, cv.submitted_at)) / 3600)::int AS "waitedHours"
     FROM claimed c
     JOIN users u ON u.id = c.user_id
     JOIN responses r ON r.id = c.response_id
     JOIN conversations cv ON cv.response_id = c.response_id
     LEFT JOIN users o ON o.id = cv.owner_user_id
     LEFT JOIN contacts ct ON ct.id = r.contact_id
     JOIN surveys s ON s.id = r.survey_id
     JOIN workspaces ws ON ws.id = r.workspace_id
     WHERE c.status = 'sending'`,
  messageId,
  compose: async (row, ctx) => ({
    ...(await renderEscalation(row, ctx.publicUrl)),
    from: { name: 'Rapport', address: ctx.mailFrom },
    messageId: messageId(row, ctx.domain),
  }),
  // The address is a teammate's: the contact the answer is about is never touched.
  bouncedContactId: () => null,
};

async function renderEscalation(
  d: EscalationRow,
  publicUrl: string,
): Promise<Omit<OutgoingMail, 'from' | 'messageId'>> {
  const subject = `Overdue: ${d.contactName} has waited ${d.waitedHours} h for an answer`;
  const lead = `${d.contactName} answered ${d.score ?? '–'} to '${d.surveyTitle}' and nobody has replied yet; your team aims to reply within ${d.targetHours} h.`;
  const owner = d.ownerName ? `Owner: ${d.ownerName}.` : 'Nobody owns it yet.';
  const comment = d.comment?.trim() || null;
  const conversationUrl = `${publicUrl}/inbox/${d.responseId}`;
  const overdueUrl = `${publicUrl}/inbox?status=overdue`;
  const teamUrl = `${publicUrl}/team`;
  const text = [
    lead,
    owner,
    ...(comment ? ['', `'${comment}'`] : []),
    '',
    `Answer them: ${conversationUrl}`,
    `Everything overdue: ${overdueUrl}`,
    '',
    `— Rapport, ${d.workspaceName}. Sent once per conversation to owners and admins. Turn alerts off: ${teamUrl}`,
  ].join('\n');
  const html = await ejs.renderFile(
    path.join(VIEWS_DIR, 'emails/escalation.ejs'),
    { d, subject, lead, owner, comment, conversationUrl, overdueUrl, teamUrl },
    { async: false },
  );
  return { to: { name: d.toName, address: d.toEmail }, subject, html, text, headers: {} };
}
