import path from 'node:path';
import ejs from 'ejs';
import type { OutgoingMail } from '../../../platform/mail';
import { VIEWS_DIR } from '../../../platform/paths';
import type { DigestSurvey } from '../../insights';
import type { ComposeContext, OutboxKind } from './kind';

/** A comment the digest shows, read when it is sent (an erased one is gone by then). */
export type DigestComment = {
  id: string;
  surveyId: string;
  score: number | null;
  comment: string;
  at: string;
  /** The contact's name, else their email; null for a public-link answer or an erased contact. */
  who: string | null;
};

/**
 * A teammate's weekly digest (table `digests`, queued by the digest module's weekly job): the numbers as they
 * were queued, the comments as they are now.
 */
export type DigestRow = {
  kind: 'digest';
  id: string;
  attempts: number;
  workspaceId: string;
  /** The Monday of the week in the workspace's time zone (a local date), YYYY-MM-DD. */
  week: string;
  tokenSealed: string;
  content: { surveys: DigestSurvey[] };
  comments: DigestComment[];
  toName: string;
  toEmail: string;
  workspaceName: string;
  postalAddress: string;
};

const messageId = (row: DigestRow, domain: string) => `<digest-${row.id}@${domain}>`;

export const digest: OutboxKind<DigestRow> = {
  kind: 'digest',
  table: 'digests',
  // Queued only for teammates who asked for it; this catches one who left or turned it off since.
  checked: `SELECT p.id, u.id IS NULL OR NOT u.digest_enabled AS stop,
        CASE WHEN u.id IS NULL THEN 'The teammate is no longer in the workspace; not sent.'
             ELSE 'The teammate turned the weekly digest off; not sent.' END AS why
      FROM picked p JOIN digests dg ON dg.id = p.id
      LEFT JOIN memberships m ON m.user_id = dg.user_id AND m.workspace_id = dg.workspace_id
      LEFT JOIN users u ON u.id = m.user_id`,
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", to_char(c.week, 'YYYY-MM-DD') AS week,
       c.token_sealed AS "tokenSealed", c.content, u.name AS "toName", u.email AS "toEmail",
       ws.name AS "workspaceName", ws.postal_address AS "postalAddress",
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'surveyId', r.survey_id, 'score', r.score, 'comment', r.comment,
                  'at', to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'who', coalesce(nullif(ct.name, ''), ct.email))
                ORDER BY r.submitted_at DESC, r.id DESC), '[]'::jsonb)
        FROM responses r LEFT JOIN contacts ct ON ct.id = r.contact_id
        WHERE r.id = ANY (c.comment_ids) AND r.workspace_id = c.workspace_id AND btrim(coalesce(r.comment, '')) <> '') AS comments
     FROM claimed c
     JOIN users u ON u.id = c.user_id
     JOIN workspaces ws ON ws.id = c.workspace_id
     WHERE c.status = 'sending'`,
  messageId,
  compose: async (row, ctx) => ({
    ...(await renderDigest(row, ctx)),
    from: { name: row.workspaceName, address: ctx.mailFrom },
    messageId: messageId(row, ctx.domain),
  }),
  // The address is a teammate's: no contact to mark.
  bouncedContactId: () => null,
};

const weekName = (monday: string) =>
  new Date(`${monday}T00:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

/**
 * Per survey: the headline, whether it is getting better (the dashboard's own words), the unhappy answers
 * still open, and its newest comments; signed by the workspace, with a link that stops the digest in one
 * click (also as List-Unsubscribe, which mail apps show as a button).
 */
async function renderDigest(d: DigestRow, ctx: ComposeContext): Promise<Omit<OutgoingMail, 'from' | 'messageId'>> {
  const unsubscribeUrl = `${ctx.publicUrl}/digest/unsubscribe/${ctx.sealer.open(d.tokenSealed)}`;
  const teamUrl = `${ctx.publicUrl}/team`;
  const subject = `${d.workspaceName}: your weekly digest, week of ${weekName(d.week)}`;
  const surveys = d.content.surveys.map((s) => ({
    ...s,
    url: `${ctx.publicUrl}/surveys/${s.id}`,
    inboxUrl: `${ctx.publicUrl}/inbox?status=open&survey=${s.id}`,
    comments: d.comments
      .filter((c) => c.surveyId === s.id)
      .map((c) => ({ ...c, url: `${ctx.publicUrl}/inbox/${c.id}` })),
  }));
  const text = [
    `Your weekly digest for ${d.workspaceName}, week of ${weekName(d.week)}.`,
    ...surveys.flatMap((s) => [
      '',
      `## ${s.title}`,
      s.headline
        ? `${s.headline.name}: ${s.headline.value}${s.headline.interval ? ` (${s.headline.interval})` : ''}, ${s.responses} responses in all.`
        : `${s.responses} responses in all (no scale question).`,
      ...(s.verdict ? [`Are we getting better? ${s.verdict.text}`, s.verdict.periods] : []),
      ...(s.unhappyLabel ? [`Unhappy answers still open (${s.unhappyLabel}): ${s.openUnhappy} — ${s.inboxUrl}`] : []),
      ...(s.comments.length
        ? ['Newest comments:', ...s.comments.map((c) => `- "${c.comment.trim()}" (${commentBy(c)}) ${c.url}`)]
        : []),
      `Dashboard: ${s.url}`,
    ]),
    ...(surveys.length ? [] : ['', 'No survey has answers yet.']),
    '',
    `— ${d.workspaceName}`,
    d.postalAddress,
    '',
    `You get this because you asked for it on the Team page (${teamUrl}). Stop the weekly digest: ${unsubscribeUrl}`,
  ].join('\n');
  const html = await ejs.renderFile(
    path.join(VIEWS_DIR, 'emails/digest.ejs'),
    { d, subject, surveys, week: weekName(d.week), unsubscribeUrl, teamUrl, commentBy },
    { async: false },
  );
  return {
    to: { name: d.toName, address: d.toEmail },
    subject,
    html,
    text,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

function commentBy(c: DigestComment) {
  return `${c.who ?? 'Someone'}${c.score === null ? '' : `, ${c.score}`}, ${c.at}`;
}
