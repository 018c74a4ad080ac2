import path from 'node:path';
import ejs from 'ejs';
import type { OutgoingMail } from '../../../platform/mail';
import { VIEWS_DIR } from '../../../platform/paths';
import type { OutboxKind } from './kind';

/**
 * An alert to a teammate about one unhappy answer (table `alerts`, queued by the conversations trigger). Read
 * when it is sent, so the latest comment shows; the contact may be gone (a public link, or erased).
 */
export type AlertRow = {
  kind: 'alert';
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
};

const messageId = (row: AlertRow, domain: string) => `<alert-${row.id}@${domain}>`;

export const alert: OutboxKind<AlertRow> = {
  kind: 'alert',
  table: 'alerts',
  // Alerts were queued only for teammates who wanted them; this catches one who left or opted out since, and a
  // conversation someone already answered or closed while the alert waited (nobody needs telling then).
  checked: `SELECT p.id, u.id IS NULL OR NOT u.alerts_enabled OR cv.status = 'closed' OR rp.replied AS stop,
        CASE WHEN u.id IS NULL THEN 'The teammate is no longer in the workspace; not sent.'
             WHEN NOT u.alerts_enabled THEN 'The teammate turned alerts off; not sent.'
             WHEN cv.status = 'closed' THEN 'The conversation was closed before the alert was due; not sent.'
             ELSE 'Someone replied before the alert was due; not sent.' END AS why
      FROM picked p JOIN alerts a ON a.id = p.id
      LEFT JOIN memberships m ON m.user_id = a.user_id AND m.workspace_id = a.workspace_id
      LEFT JOIN users u ON u.id = m.user_id
      LEFT JOIN conversations cv ON cv.response_id = a.response_id
      CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM replies r WHERE r.response_id = a.response_id) AS replied) rp`,
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", r.id AS "responseId", u.name AS "toName", u.email AS "toEmail", r.score, r.comment,
       coalesce(nullif(ct.name, ''), ct.email, 'Someone') AS "contactName", s.title AS "surveyTitle",
       ws.name AS "workspaceName"
     FROM claimed c
     JOIN users u ON u.id = c.user_id
     JOIN responses r ON r.id = c.response_id
     LEFT JOIN contacts ct ON ct.id = r.contact_id
     JOIN surveys s ON s.id = r.survey_id
     JOIN workspaces ws ON ws.id = r.workspace_id
     WHERE c.status = 'sending'`,
  messageId,
  compose: async (row, ctx) => ({
    ...(await renderAlert(row, ctx.publicUrl)),
    from: { name: 'Rapport', address: ctx.mailFrom },
    messageId: messageId(row, ctx.domain),
  }),
  // The address is a teammate's: the contact the answer is about is never touched.
  bouncedContactId: () => null,
};

/**
 * Who answered what, their comment, and the link to answer them. Internal mail, so no List-Unsubscribe: each
 * teammate turns alerts off on the Team page, and the email says where.
 */
async function renderAlert(d: AlertRow, publicUrl: string): Promise<Omit<OutgoingMail, 'from' | 'messageId'>> {
  const subject = `${d.contactName} answered ${d.score ?? '–'} to '${d.surveyTitle}'`;
  const comment = d.comment?.trim() || null;
  const conversationUrl = `${publicUrl}/inbox/${d.responseId}`;
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
  return { to: { name: d.toName, address: d.toEmail }, subject, html, text, headers: {} };
}
