import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from '../../../platform/paths';
import type { OutboxKind } from './kind';

/**
 * A "reset your password" link (table `password_resets`, queued by accounts when someone says they forgot).
 * It belongs to a person, not a workspace: `workspaceId` is empty, so the built-in mailbox shows it to nobody
 * (an admin reading the mailbox must not be able to take over a teammate's account).
 */
export type PasswordResetRow = {
  kind: 'password_reset';
  id: string;
  attempts: number;
  workspaceId: string;
  name: string;
  email: string;
  tokenSealed: string;
};

const messageId = (row: PasswordResetRow, domain: string) => `<password-reset-${row.id}@${domain}>`;

export const passwordReset: OutboxKind<PasswordResetRow> = {
  kind: 'password_reset',
  table: 'password_resets',
  // Used or expired while it waited (a newer request, or the hour passed): a dead link is not worth sending.
  checked: `SELECT p.id, (r.used_at IS NOT NULL OR r.expires_at <= now()) AS stop,
        'The reset link was used or expired; not sent.' AS why
      FROM picked p JOIN password_resets r ON r.id = p.id`,
  read: `SELECT c.id, c.attempts, '' AS "workspaceId", u.name, u.email, c.token_sealed AS "tokenSealed"
     FROM claimed c JOIN users u ON u.id = c.user_id
     WHERE c.status = 'sending'`,
  messageId,
  async compose(row, ctx) {
    const url = `${ctx.publicUrl}/reset/${ctx.sealer.open(row.tokenSealed)}`;
    const subject = 'Reset your Rapport password';
    const text = [
      `Hello ${row.name},`,
      '',
      `Someone (we hope you) asked to reset your Rapport password. Choose a new one here (the link works once, for one hour): ${url}`,
      '',
      'If it was not you, ignore this email: your password stays as it is.',
    ].join('\n');
    const html = await ejs.renderFile(
      path.join(VIEWS_DIR, 'emails/password-reset.ejs'),
      { row, subject, url },
      {
        async: false,
      },
    );
    return {
      from: { name: 'Rapport', address: ctx.mailFrom },
      to: { name: row.name, address: row.email },
      subject,
      html,
      text,
      headers: {},
      messageId: messageId(row, ctx.domain),
    };
  },
  bouncedContactId: () => null,
};
