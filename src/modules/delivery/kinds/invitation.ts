import path from 'node:path';
import ejs from 'ejs';
import { signOff, translator } from '../../../platform/i18n';
import type { OutgoingMail } from '../../../platform/mail';
import { brandPalette } from '../../../platform/brand';
import { VIEWS_DIR } from '../../../platform/paths';
import { logoPath } from '../../accounts';
import { localize, primaryScale, scaleRange, type Question, type SurveyCopies } from '../../surveys';
import { csatLabel, endLabels } from '../../responses';
import { NOT_SUBSCRIBED, type ComposeContext, type OutboxKind } from './kind';

/** Everything a survey email (an invitation, or a reminder of it) needs, read in one statement with its claim. */
export type SurveyMail = {
  id: string;
  workspaceId: string;
  attempts: number;
  /** The delivery: its link (and so the response) belongs to it. */
  deliveryId: string;
  tokenSealed: string;
  contactId: string;
  contactName: string;
  contactEmail: string;
  /** The email's language: the contact's locale when the survey has it (see surveys' translations.ts). */
  contactLocale: string | null;
  surveyTitle: string;
  /** The subject in the default language ('' = the title), and subject/intro in the survey's other languages. */
  surveySubject: string;
  surveyTranslations: SurveyCopies;
  /** The survey's intro line ('' when none), under the greeting. */
  surveyIntro: string;
  surveyLanguage: string;
  questions: Question[];
  /** The contact's owner, else the survey's sender teammate, else the workspace's sender name. */
  senderName: string;
  /** That teammate's address, when the sender is a teammate. */
  replyToEmail: string | null;
  workspaceName: string;
  postalAddress: string;
  brandColor: string | null;
  logoSha256: string | null;
  /**
   * "Last time you told us…": the line the teammate wrote when closing the contact's latest conversation, and
   * their name; null when that conversation is open or was closed without one (followups' closing line).
   */
  lastLine: string | null;
  lastLineBy: string | null;
};
export type InvitationRow = SurveyMail & { kind: 'invitation' };

/** What a survey email reads for the claimed rows `c`, whose delivery is `deliveryOf` (an expression on c). */
export const surveyMailRead = (deliveryOf: string, extraColumns = '') => `
  SELECT c.id, c.attempts, d.workspace_id AS "workspaceId", d.id AS "deliveryId", d.token_sealed AS "tokenSealed", d.contact_id AS "contactId",
    ct.name AS "contactName", ct.email AS "contactEmail", ct.locale AS "contactLocale",
    s.title AS "surveyTitle", s.intro AS "surveyIntro", s.language AS "surveyLanguage", v.questions,
    s.subject AS "surveySubject", s.translations AS "surveyTranslations",
    coalesce(owner.name, sender.name, ws.sender_name) AS "senderName",
    coalesce(owner.email, sender.email) AS "replyToEmail",
    ws.name AS "workspaceName", ws.postal_address AS "postalAddress",
    ws.brand_color AS "brandColor", ws.logo_sha256 AS "logoSha256",
    last.line AS "lastLine", last.by AS "lastLineBy"${extraColumns}
  FROM claimed c
  JOIN deliveries d ON d.id = ${deliveryOf}
  JOIN contacts ct ON ct.id = d.contact_id
  JOIN waves w ON w.id = d.wave_id
  JOIN surveys s ON s.id = w.survey_id
  JOIN survey_versions v ON v.survey_id = w.survey_id AND v.version = w.survey_version
  JOIN workspaces ws ON ws.id = d.workspace_id
  LEFT JOIN users owner ON owner.id = ct.owner_user_id
    AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = owner.id AND m.workspace_id = d.workspace_id)
  LEFT JOIN users sender ON sender.id = s.sender_user_id
    AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = sender.id AND m.workspace_id = d.workspace_id)
  LEFT JOIN LATERAL (
    SELECT CASE WHEN cv.status = 'closed' THEN cv.closing_line END AS line, cv.closing_line_by AS by
    FROM responses r JOIN conversations cv ON cv.response_id = r.id
    WHERE r.contact_id = d.contact_id AND r.workspace_id = d.workspace_id
    ORDER BY r.submitted_at DESC LIMIT 1) last ON true
  WHERE c.status = 'sending'`;

/** The invitation's Message-ID; reminders and personal replies thread under it. */
export const invitationMessageId = (deliveryId: string, domain: string) => `<delivery-${deliveryId}@${domain}>`;

/**
 * A survey email with the worker-independent headers of survey mail: List-Unsubscribe (RFC 8058: the https URL
 * takes a one-click POST; mailto is for clients that only speak mail) and Reply-To the sender teammate.
 */
export async function composeSurveyMail(
  row: SurveyMail,
  ctx: ComposeContext,
  o: { messageId: string; reminder: boolean; headers?: Record<string, string> },
): Promise<OutgoingMail> {
  const token = ctx.sealer.open(row.tokenSealed);
  const unsubscribeUrl = `${ctx.publicUrl}/r/${token}/unsubscribe`;
  const mail = await renderInvitation(row, token, ctx.publicUrl, { reminder: o.reminder });
  return {
    from: { name: row.senderName, address: ctx.mailFrom },
    replyTo: row.replyToEmail ? { name: row.senderName, address: row.replyToEmail } : undefined,
    to: { name: row.contactName, address: row.contactEmail },
    messageId: o.messageId,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${ctx.unsubscribeMailto}?subject=unsubscribe>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      ...o.headers,
    },
  };
}

/** A survey invitation: one delivery of a wave to one contact (table `deliveries`). */
export const invitation: OutboxKind<InvitationRow> = {
  kind: 'invitation',
  table: 'deliveries',
  checked: `SELECT p.id, ${NOT_SUBSCRIBED} FROM picked p JOIN deliveries d ON d.id = p.id JOIN contacts ct ON ct.id = d.contact_id`,
  read: surveyMailRead('c.id'),
  messageId: (row, domain) => invitationMessageId(row.deliveryId, domain),
  compose: (row, ctx) =>
    composeSurveyMail(row, ctx, { messageId: invitationMessageId(row.deliveryId, ctx.domain), reminder: false }),
  bouncedContactId: (row) => row.contactId,
};

// Headers (List-Unsubscribe, Reply-To, threading) are composeSurveyMail's: this is the message's content only.
export type RenderedInvitation = { subject: string; html: string; text: string };
export type InvitationOptions = { reminder?: boolean };

/**
 * The invitation, in the contact's language when the survey has a complete translation into it (else the
 * survey's default): subject, intro, the first scale question as one-click links with their labels, each link
 * carrying this recipient's own token, a visible unsubscribe link and the postal address. The links only
 * preselect a score; the page confirms it (see responses.routes.ts).
 */
export async function renderInvitation(
  d: SurveyMail,
  token: string,
  publicUrl: string,
  options: InvitationOptions = {},
): Promise<RenderedInvitation> {
  const shown = localize(
    {
      title: d.surveyTitle,
      subject: d.surveySubject,
      intro: d.surveyIntro,
      language: d.surveyLanguage,
      translations: d.surveyTranslations,
      questions: d.questions,
    },
    d.contactLocale,
  );
  const locale = shown.language;
  const t = translator(locale);
  const link = `${publicUrl}/r/${token}`;
  const unsubscribe = `${link}/unsubscribe`;
  const question = primaryScale(shown.questions);
  const scores = question
    ? rangeOf(scaleRange(question)).map((s) => ({
        value: s,
        url: `${link}?score=${s}`,
        label: question.type === 'csat' ? csatLabel(t, s) : '',
      }))
    : [];
  const ends = question ? endLabels(question, t) : undefined;
  // A person is greeted by their name when we know it; the intro line is the team's own words.
  const hello = d.contactName.trim() ? t('emailHello', { name: d.contactName.trim() }) : '';
  const intro = shown.intro.trim();
  const subject = shown.subject;
  // Only a line a teammate wrote, signed with their name, in the contact's language's words around it.
  const lastTime =
    d.lastLine?.trim() && d.lastLineBy ? t('emailLastTime', { name: d.lastLineBy, line: d.lastLine.trim() }) : '';
  const signature = signOff(d.senderName, d.workspaceName);
  const locals = {
    hello,
    intro,
    subject,
    lastTime,
    signature,
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
    // Colours computed for contrast (platform/brand.ts); the logo from Rapport's own public address.
    brand: brandPalette(d.brandColor),
    logoUrl: d.logoSha256 ? `${publicUrl}${logoPath(d.logoSha256)}` : null,
  };
  const html = await ejs.renderFile(path.join(VIEWS_DIR, 'emails/invitation.ejs'), locals, { async: false });
  const text = [
    ...(hello ? [hello, ''] : []),
    ...(options.reminder ? [t('emailReminder'), ''] : []),
    ...(intro ? [intro, ''] : []),
    ...(lastTime ? [lastTime, ''] : []),
    question ? question.text : subject,
    '',
    ...(question
      ? [
          ...(ends ? [`${scores[0]!.value} = ${ends[0]}, ${scores[scores.length - 1]!.value} = ${ends[1]}`] : []),
          ...scores.map((s) => `${s.value}${s.label ? ` (${s.label})` : ''}: ${s.url}`),
        ]
      : [`${t('emailAnswer')}: ${link}`]),
    '',
    `— ${signature}`,
    '',
    t('emailWhy', { workspace: d.workspaceName }),
    `${t('emailUnsubscribe')}: ${unsubscribe}`,
    d.postalAddress,
  ].join('\n');
  return {
    subject: options.reminder ? t('emailReminderSubject', { title: subject }) : subject,
    html,
    text,
  };
}

const rangeOf = ([lo, hi]: [number, number]) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
