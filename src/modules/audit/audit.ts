import type { Request } from 'express';
import type { Db, Tx } from '../../platform/db';

/** Who did something: the signed-in person (or nobody, for a failed sign-in), in which workspace, from where. */
export type Actor = { workspaceId: string | null; userId: string | null; name: string | null; ip: string | null };

/** What happened, named `thing.verb` (`member.role_changed`, `signin.failed`), about whom or what. */
export type AuditEntry = { action: string; subject?: string | null; details?: Record<string, unknown> };

/** The actor of a request: the signed-in person when there is one. */
export const who = (req: Request): Actor => ({
  workspaceId: req.auth?.workspace.id ?? null,
  userId: req.auth?.user.id ?? null,
  name: req.auth?.user.name ?? null,
  ip: req.ip ?? null,
});

/**
 * Appends one event. Pass the use case's transaction: the record and the change it describes are committed
 * together or not at all (a refused change leaves no "did it" behind).
 */
export const record = (db: Db, actor: Actor, entry: AuditEntry, tx?: Tx) =>
  db.execute(
    `INSERT INTO audit_events (workspace_id, actor_user_id, actor_name, action, subject, details, ip)
     VALUES (:workspaceId, :userId, :name, :action, :subject, CAST(:details AS jsonb), :ip)`,
    {
      ...actor,
      action: entry.action,
      subject: entry.subject ?? null,
      details: JSON.stringify(entry.details ?? {}),
    },
    tx,
  );

/**
 * An event about a person rather than one workspace (their password): recorded in each workspace they belong
 * to, so every team's log shows it.
 */
export const recordForPerson = (db: Db, actor: Actor, userId: string, entry: AuditEntry, tx?: Tx) =>
  db.execute(
    `INSERT INTO audit_events (workspace_id, actor_user_id, actor_name, action, subject, details, ip)
     SELECT m.workspace_id, :actorId, coalesce(:name, CASE WHEN :actorId::uuid = u.id THEN u.name END), :action, :subject, CAST(:details AS jsonb), :ip
     FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.user_id = :userId`,
    {
      actorId: actor.userId,
      name: actor.name,
      ip: actor.ip,
      userId,
      action: entry.action,
      subject: entry.subject ?? null,
      details: JSON.stringify(entry.details ?? {}),
    },
    tx,
  );

/**
 * For an export, which has no write to share a transaction with: it reads (from the dashboards' pool or a
 * replica) and streams for as long as the download lasts. Its entry is committed on its own *before* the first
 * byte: an export whose entry cannot be written never starts, and one that starts is on record even if the
 * download is cut short (data that may have left is what the log must show).
 */
export const auditor = (db: Db) => (req: Request, entry: AuditEntry) => record(db, who(req), entry);
export type Auditor = ReturnType<typeof auditor>;
