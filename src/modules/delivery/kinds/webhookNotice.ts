import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from '../../../platform/paths';
import type { OutboxKind } from './kind';

/**
 * "Your webhook endpoint was disabled" to an owner or admin (table `webhook_notices`, queued by the webhooks
 * module in the transaction that disables the endpoint: a 410 Gone, or a day of failed deliveries).
 */
export type WebhookNoticeRow = {
  kind: 'webhookNotice';
  id: string;
  attempts: number;
  workspaceId: string;
  endpointId: string;
  url: string;
  reason: string;
  toName: string;
  toEmail: string;
  workspaceName: string;
};

const messageId = (row: WebhookNoticeRow, domain: string) => `<webhook-notice-${row.id}@${domain}>`;

export const webhookNotice: OutboxKind<WebhookNoticeRow> = {
  kind: 'webhookNotice',
  table: 'webhook_notices',
  // Someone may have turned the endpoint back on, or the teammate left, before the notice went out.
  checked: `SELECT p.id, u.id IS NULL OR e.enabled AS stop,
        CASE WHEN u.id IS NULL THEN 'The teammate is no longer in the workspace; not sent.'
             ELSE 'The endpoint was enabled again; not sent.' END AS why
      FROM picked p JOIN webhook_notices n ON n.id = p.id
      JOIN webhook_endpoints e ON e.id = n.endpoint_id
      LEFT JOIN memberships m ON m.user_id = n.user_id AND m.workspace_id = n.workspace_id
      LEFT JOIN users u ON u.id = m.user_id`,
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", e.id AS "endpointId", e.url, c.reason,
       u.name AS "toName", u.email AS "toEmail", ws.name AS "workspaceName"
     FROM claimed c
     JOIN webhook_endpoints e ON e.id = c.endpoint_id
     JOIN users u ON u.id = c.user_id
     JOIN workspaces ws ON ws.id = c.workspace_id
     WHERE c.status = 'sending'`,
  messageId,
  compose: async (row, ctx) => {
    const page = `${ctx.publicUrl}/settings/webhooks/${row.endpointId}`;
    const subject = `A webhook endpoint was disabled: ${row.url}`;
    const text = [
      `Rapport stopped sending events to ${row.url}.`,
      '',
      `Why: ${row.reason}`,
      '',
      `Events that happen while it is disabled are not kept for it. Once the receiver works again, turn the endpoint back on and resend what it missed from its delivery log: ${page}`,
      '',
      `— Rapport, ${row.workspaceName}. Sent to the workspace's owners and admins.`,
    ].join('\n');
    return {
      from: { name: 'Rapport', address: ctx.mailFrom },
      to: { name: row.toName, address: row.toEmail },
      subject,
      text,
      html: await ejs.renderFile(
        path.join(VIEWS_DIR, 'emails/webhook-disabled.ejs'),
        { d: row, subject, page },
        { async: false },
      ),
      headers: {},
      messageId: messageId(row, ctx.domain),
    };
  },
  // The address is a teammate's.
  bouncedContactId: () => null,
};
