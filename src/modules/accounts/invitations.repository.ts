import type { Db, Tx } from '../../platform/db';
import type { Role } from './policy';

export type Invitation = {
  id: string;
  workspaceId: string;
  email: string;
  role: Role;
  inviterName: string;
  expiresAt: Date;
  status: string;
};

const COLUMNS = `i.id, i.workspace_id AS "workspaceId", i.email, i.role, i.inviter_name AS "inviterName",
  i.expires_at AS "expiresAt", i.status`;

/** Invitations to a workspace's team; each row is one email (an outbox row the delivery worker sends). */
export const invitationsRepository = (db: Db) => ({
  create: (
    i: { workspaceId: string; email: string; role: Role; invitedBy: string; inviterName: string },
    token: { hash: Buffer; sealed: string },
    validDays: number,
    tx: Tx,
  ) =>
    db.query<{ id: string }>(
      `INSERT INTO team_invitations (workspace_id, email, role, invited_by, inviter_name, token_hash, token_sealed, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(days => $8)) RETURNING id`,
      [i.workspaceId, i.email, i.role, i.invitedBy, i.inviterName, token.hash, token.sealed, validDays],
      tx,
    ),

  /** Still open (neither accepted nor revoked), expired or not: the team page lists them. */
  pending: (workspaceId: string) =>
    db.query<Invitation>(
      `SELECT ${COLUMNS} FROM team_invitations i
       WHERE i.workspace_id = :workspaceId AND i.accepted_at IS NULL AND i.revoked_at IS NULL ORDER BY i.created_at DESC`,
      { workspaceId },
    ),

  findPending: (workspaceId: string, id: string, tx: Tx) =>
    db.one<Invitation>(
      `SELECT ${COLUMNS} FROM team_invitations i
       WHERE i.workspace_id = :workspaceId AND i.id = :id AND i.accepted_at IS NULL AND i.revoked_at IS NULL FOR UPDATE`,
      { workspaceId, id },
      tx,
    ),

  openFor: (workspaceId: string, email: string, tx: Tx) =>
    db.one<{ id: string }>(
      `SELECT id FROM team_invitations
       WHERE workspace_id = :workspaceId AND lower(email) = lower(:email) AND accepted_at IS NULL AND revoked_at IS NULL`,
      { workspaceId, email },
      tx,
    ),

  /** A link's invitation while it can still be used: not accepted, not revoked, not expired. */
  usable: (hash: Buffer, tx?: Tx) =>
    db.one<Invitation & { workspaceName: string }>(
      `SELECT ${COLUMNS}, w.name AS "workspaceName" FROM team_invitations i JOIN workspaces w ON w.id = i.workspace_id
       WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
       ${tx ? 'FOR UPDATE OF i' : ''}`,
      [hash],
      tx,
    ),

  /** Every invitation of an address that can still be used, oldest first, locked: single sign-on accepts them. */
  usableFor: (email: string, tx: Tx) =>
    db.query<Invitation>(
      `SELECT ${COLUMNS} FROM team_invitations i
       WHERE lower(i.email) = lower(:email) AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
       ORDER BY i.created_at, i.id FOR UPDATE`,
      { email },
      tx,
    ),

  accept: (id: string, tx: Tx) =>
    db.execute(`UPDATE team_invitations SET accepted_at = now() WHERE id = :id`, { id }, tx),

  revoke: (id: string, tx: Tx) =>
    db.execute(`UPDATE team_invitations SET revoked_at = now() WHERE id = :id`, { id }, tx),
});
