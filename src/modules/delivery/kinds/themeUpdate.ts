import path from 'node:path';
import ejs from 'ejs';
import { pickLocale, signOff, translator } from '../../../platform/i18n';
import type { OutgoingMail } from '../../../platform/mail';
import { VIEWS_DIR } from '../../../platform/paths';
import { NOT_SUBSCRIBED, type ComposeContext, type OutboxKind } from './kind';

/**
 * "You said, we did": one update about a theme of the comments, to one contact whose comment mentioned it
 * (table `theme_update_messages`, queued by followups when a teammate confirms). Signed by the contact's owner
 * where they have one (still a member), else by the teammate who wrote it.
 */
export type ThemeUpdateRow = {
  kind: 'themeUpdate';
  id: string;
  attempts: number;
  workspaceId: string;
  contactId: string;
  contactName: string;
  contactEmail: string;
  contactLocale: string | null;
  surveyLanguage: string;
  body: string;
  senderName: string;
  replyToEmail: string | null;
  workspaceName: string;
  postalAddress: string;
  /** The contact's latest invitation link's token, sealed: its unsubscribe page (none for a contact never invited). */
  tokenSealed: string | null;
};

const messageId = (row: ThemeUpdateRow, domain: string) => `<update-${row.id}@${domain}>`;

export const themeUpdate: OutboxKind<ThemeUpdateRow> = {
  kind: 'themeUpdate',
  table: 'theme_update_messages',
  checked: `SELECT p.id, ${NOT_SUBSCRIBED} FROM picked p JOIN theme_update_messages m ON m.id = p.id JOIN contacts ct ON ct.id = m.contact_id`,
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", c.contact_id AS "contactId",
       coalesce(ct.name, '') AS "contactName", ct.email AS "contactEmail", ct.locale AS "contactLocale",
       s.language AS "surveyLanguage", u.body,
       coalesce(owner.name, author.name, u.author_name) AS "senderName",
       coalesce(owner.email, author.email) AS "replyToEmail",
       ws.name AS "workspaceName", ws.postal_address AS "postalAddress",
       (SELECT d.token_sealed FROM deliveries d WHERE d.contact_id = c.contact_id ORDER BY d.created_at DESC LIMIT 1) AS "tokenSealed"
     FROM claimed c
     JOIN theme_updates u ON u.id = c.update_id
     JOIN surveys s ON s.id = u.survey_id
     JOIN contacts ct ON ct.id = c.contact_id
     JOIN workspaces ws ON ws.id = c.workspace_id
     LEFT JOIN users owner ON owner.id = ct.owner_user_id
       AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = owner.id AND m.workspace_id = c.workspace_id)
     LEFT JOIN users author ON author.id = u.author_user_id
       AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = author.id AND m.workspace_id = c.workspace_id)
     WHERE c.status = 'sending'`,
  messageId,
  compose: async (row, ctx) => ({
    ...(await renderThemeUpdate(row, ctx)),
    from: { name: row.senderName, address: ctx.mailFrom },
    messageId: messageId(row, ctx.domain),
  }),
  bouncedContactId: (row) => row.contactId,
};

/** The teammate's words, signed, in the contact's language around them, with a way to stop (List-Unsubscribe). */
async function renderThemeUpdate(
  d: ThemeUpdateRow,
  ctx: ComposeContext,
): Promise<Omit<OutgoingMail, 'from' | 'messageId'>> {
  const t = translator(pickLocale(d.contactLocale, d.surveyLanguage));
  const unsubscribeUrl = d.tokenSealed ? `${ctx.publicUrl}/r/${ctx.sealer.open(d.tokenSealed)}/unsubscribe` : null;
  const hello = d.contactName.trim() ? t('emailHello', { name: d.contactName.trim() }) : '';
  const body = d.body.trim();
  const signature = signOff(d.senderName, d.workspaceName);
  const subject = t('emailUpdateSubject');
  const why = t('emailUpdateWhy', { workspace: d.workspaceName });
  const text = [
    ...(hello ? [hello, ''] : []),
    body,
    '',
    `— ${signature}`,
    '',
    why,
    ...(unsubscribeUrl ? [`${t('emailUnsubscribe')}: ${unsubscribeUrl}`] : []),
    d.postalAddress,
  ].join('\n');
  const html = await ejs.renderFile(
    path.join(VIEWS_DIR, 'emails/theme-update.ejs'),
    { d, hello, paragraphs: body.split(/\r?\n\s*\r?\n/), signature, subject, why, unsubscribeUrl, t },
    { async: false },
  );
  const mailto = `<mailto:${ctx.unsubscribeMailto}?subject=unsubscribe>`;
  return {
    replyTo: d.replyToEmail ? { name: d.senderName, address: d.replyToEmail } : undefined,
    to: { name: d.contactName, address: d.contactEmail },
    subject,
    html,
    text,
    headers: unsubscribeUrl
      ? { 'List-Unsubscribe': `<${unsubscribeUrl}>, ${mailto}`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      : { 'List-Unsubscribe': mailto },
  };
}
