import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from '../../../platform/paths';
import type { OutboxKind } from './kind';

/**
 * An invitation to join a workspace's team (table `team_invitations`, queued by accounts). The link carries the
 * invitation's token, sealed in the row so the worker can write it; only its hash is looked up.
 */
export type TeamInvitationRow = {
  kind: 'team_invitation';
  id: string;
  attempts: number;
  workspaceId: string;
  email: string;
  role: string;
  inviterName: string;
  workspaceName: string;
  tokenSealed: string;
  expiresAt: Date;
};

const messageId = (row: TeamInvitationRow, domain: string) => `<team-invitation-${row.id}@${domain}>`;

export const teamInvitation: OutboxKind<TeamInvitationRow> = {
  kind: 'team_invitation',
  table: 'team_invitations',
  // Revoked (or already accepted another way) while it waited: nothing to send.
  checked: `SELECT p.id, (i.revoked_at IS NOT NULL OR i.accepted_at IS NOT NULL) AS stop,
        'The invitation was revoked or used; not sent.' AS why
      FROM picked p JOIN team_invitations i ON i.id = p.id`,
  read: `SELECT c.id, c.attempts, c.workspace_id AS "workspaceId", c.email, c.role, c.inviter_name AS "inviterName",
       ws.name AS "workspaceName", c.token_sealed AS "tokenSealed", c.expires_at AS "expiresAt"
     FROM claimed c JOIN workspaces ws ON ws.id = c.workspace_id
     WHERE c.status = 'sending'`,
  messageId,
  async compose(row, ctx) {
    const url = `${ctx.publicUrl}/invitations/${ctx.sealer.open(row.tokenSealed)}`;
    const subject = `${row.inviterName} invited you to ${row.workspaceName} on Rapport`;
    const until = row.expiresAt.toUTCString();
    const text = [
      `${row.inviterName} invited you to join ${row.workspaceName} on Rapport as ${article(row.role)} ${row.role}.`,
      '',
      `Accept (the link works once, until ${until}): ${url}`,
      '',
      'If you did not expect this, ignore this email: nothing happens unless you open the link.',
    ].join('\n');
    const html = await ejs.renderFile(
      path.join(VIEWS_DIR, 'emails/team-invitation.ejs'),
      { row, subject, url, until, article },
      { async: false },
    );
    return {
      from: { name: 'Rapport', address: ctx.mailFrom },
      to: { name: '', address: row.email },
      subject,
      html,
      text,
      headers: {},
      messageId: messageId(row, ctx.domain),
    };
  },
  // The address is a would-be teammate's, never a contact's.
  bouncedContactId: () => null,
};

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');
