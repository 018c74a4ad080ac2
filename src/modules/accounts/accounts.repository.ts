import type { Db, Tx } from '../../platform/db';
import type { Role } from './policy';

/** A person as a member of one workspace: their role there. */
export type User = {
  id: string;
  workspaceId: string;
  name: string;
  email: string;
  role: Role;
  alertsEnabled: boolean;
  digestEnabled: boolean;
  /** In this workspace's round-robin: gets its share of unowned unhappy answers (followups). */
  roundRobin: boolean;
  /** They sign in with a code from an authenticator app after their password (twoFactor.ts). */
  twoFactor: boolean;
};
export type Workspace = {
  id: string;
  name: string;
  senderName: string;
  postalAddress: string;
  throttleDays: number;
  anonymityThreshold: number;
  /** Schedules may fire more often than once an hour (off: such a schedule is refused). */
  allowFrequentSchedules: boolean;
  /** The zone a new schedule starts in when the browser does not say its own. */
  timeZone: string;
  /** #rrggbb, or null for Rapport's own (see platform/brand.ts). */
  brandColor: string | null;
  /** The current logo's SHA-256 (served at /brand/logo/<sha256>), or null. */
  logoSha256: string | null;
  /** How long an unhappy customer may wait for a first answer before the conversation is overdue (followups). */
  responseTargetHours: number;
  /** Members without two-factor are sent to enrol before anything else. */
  requireTwoFactor: boolean;
  /** The audit log keeps an entry this many days (the retention sweep deletes older ones). */
  auditRetentionDays: number;
};
/** A person, whatever workspace: who signs in. */
export type Person = { id: string; name: string; email: string; passwordHash: string };

const MEMBER_COLUMNS = `u.id, m.workspace_id AS "workspaceId", u.name, u.email, m.role, u.alerts_enabled AS "alertsEnabled",
  u.digest_enabled AS "digestEnabled", m.round_robin AS "roundRobin", u.totp_enabled_at IS NOT NULL AS "twoFactor"`;
const MEMBERS = `memberships m JOIN users u ON u.id = m.user_id`;

export const accountsRepository = (db: Db) => ({
  /** Held until the transaction ends: two first-run setups cannot both find no workspace. */
  lockWorkspaces: (tx: Tx) => db.execute(`LOCK TABLE workspaces IN SHARE ROW EXCLUSIVE MODE`, undefined, tx),

  async hasWorkspace(tx?: Tx) {
    return (await db.one(`SELECT 1 AS one FROM workspaces LIMIT 1`, {}, tx)) !== undefined;
  },

  async createWorkspace(w: Pick<Workspace, 'name' | 'senderName' | 'postalAddress'>, tx: Tx) {
    return (await db.one<{ id: string }>(
      `INSERT INTO workspaces (name, sender_name, postal_address) VALUES (:name, :senderName, :postalAddress) RETURNING id`,
      w,
      tx,
    ))!.id;
  },

  /** A new person, a member of `workspaceId` with `role` (the users_first_membership trigger makes it so). */
  async createUser(
    u: Omit<User, 'id' | 'alertsEnabled' | 'digestEnabled' | 'roundRobin' | 'twoFactor'> & { passwordHash: string },
    tx: Tx,
  ): Promise<User> {
    const { id } = (await db.one<{ id: string }>(
      `INSERT INTO users (workspace_id, name, email, password_hash, role)
       VALUES (:workspaceId, :name, :email, :passwordHash, :role) RETURNING id`,
      u,
      tx,
    ))!;
    return {
      id,
      workspaceId: u.workspaceId,
      name: u.name,
      email: u.email,
      role: u.role,
      alertsEnabled: true,
      digestEnabled: false,
      roundRobin: false,
      twoFactor: false,
    };
  },

  /** An existing person joins another workspace. */
  addMembership: (workspaceId: string, userId: string, role: Role, tx: Tx) =>
    db.execute(
      `INSERT INTO memberships (workspace_id, user_id, role) VALUES (:workspaceId, :userId, :role) ON CONFLICT DO NOTHING`,
      { workspaceId, userId, role },
      tx,
    ),

  findPersonByEmail: (email: string, tx?: Tx) =>
    db.one<Person>(
      `SELECT id, name, email, password_hash AS "passwordHash" FROM users WHERE lower(email) = lower(:email)`,
      { email },
      tx,
    ),

  findPerson: (id: string, tx?: Tx) =>
    db.one<Person>(
      `SELECT id, name, email, password_hash AS "passwordHash" FROM users WHERE id = :id${tx ? ' FOR UPDATE' : ''}`,
      { id },
      tx,
    ),

  setPassword: (id: string, passwordHash: string, tx: Tx) =>
    db.execute(`UPDATE users SET password_hash = :passwordHash WHERE id = :id`, { id, passwordHash }, tx),

  /** Where someone lands after signing in: the workspace they joined first. */
  firstMembership: (userId: string) =>
    db.one<User>(
      `SELECT ${MEMBER_COLUMNS} FROM ${MEMBERS} WHERE m.user_id = :userId ORDER BY m.created_at, m.workspace_id LIMIT 1`,
      {
        userId,
      },
    ),

  /** The workspaces someone belongs to, for the switcher. */
  workspacesOf: (userId: string) =>
    db.query<{ id: string; name: string; role: Role }>(
      `SELECT w.id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
       WHERE m.user_id = :userId ORDER BY w.name, w.id`,
      { userId },
    ),

  findUser: (workspaceId: string, id: string, tx?: Tx) =>
    db.one<User>(
      `SELECT ${MEMBER_COLUMNS} FROM ${MEMBERS} WHERE m.workspace_id = :workspaceId AND m.user_id = :id${tx ? ' FOR UPDATE OF m' : ''}`,
      { workspaceId, id },
      tx,
    ),

  listUsers: (workspaceId: string) =>
    db.query<User>(
      `SELECT ${MEMBER_COLUMNS} FROM ${MEMBERS} WHERE m.workspace_id = :workspaceId ORDER BY u.name, u.email`,
      {
        workspaceId,
      },
    ),

  /** The workspace's owners, locked until the transaction ends: two demotions at once cannot leave none. */
  lockOwners: async (workspaceId: string, tx: Tx) =>
    (
      await db.query<{ id: string }>(
        `SELECT user_id AS id FROM memberships WHERE workspace_id = :workspaceId AND role = 'owner' ORDER BY user_id FOR UPDATE`,
        { workspaceId },
        tx,
      )
    ).map((r) => r.id),

  setRole: (workspaceId: string, id: string, role: Role, tx: Tx) =>
    db.execute(
      `UPDATE memberships SET role = :role WHERE workspace_id = :workspaceId AND user_id = :id`,
      { workspaceId, id, role },
      tx,
    ),

  /** They leave the workspace; a person left in no workspace at all is deleted (nothing to sign in to). */
  async removeMember(workspaceId: string, id: string, tx: Tx) {
    await db.execute(
      `DELETE FROM memberships WHERE workspace_id = :workspaceId AND user_id = :id`,
      { workspaceId, id },
      tx,
    );
    await db.execute(
      `DELETE FROM users u WHERE u.id = :id AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)`,
      { id },
      tx,
    );
  },

  setAlerts: (workspaceId: string, id: string, enabled: boolean) =>
    db.execute(
      `UPDATE users SET alerts_enabled = :enabled
       WHERE id = :id AND EXISTS (SELECT 1 FROM memberships WHERE workspace_id = :workspaceId AND user_id = :id)`,
      { workspaceId, id, enabled },
    ),

  /** One's place in this workspace's round-robin of unowned unhappy answers: a membership's, not a person's. */
  setRoundRobin: (workspaceId: string, id: string, enabled: boolean) =>
    db.execute(`UPDATE memberships SET round_robin = :enabled WHERE workspace_id = :workspaceId AND user_id = :id`, {
      workspaceId,
      id,
      enabled,
    }),

  /** Like alerts, the digest is the person's choice; only a member of the workspace can make it there. */
  setDigest: (workspaceId: string, id: string, enabled: boolean) =>
    db.execute(
      `UPDATE users SET digest_enabled = :enabled
       WHERE id = :id AND EXISTS (SELECT 1 FROM memberships WHERE workspace_id = :workspaceId AND user_id = :id)`,
      { workspaceId, id, enabled },
    ),

  /** Every teammate, of every workspace they belong to, who asked for the weekly digest. */
  digestSubscribers: () =>
    db.query<{ userId: string; workspaceId: string; anonymityThreshold: number; timeZone: string }>(
      `SELECT u.id AS "userId", m.workspace_id AS "workspaceId", w.anonymity_threshold AS "anonymityThreshold",
         w.time_zone AS "timeZone"
       FROM memberships m JOIN users u ON u.id = m.user_id JOIN workspaces w ON w.id = m.workspace_id
       WHERE u.digest_enabled ORDER BY m.workspace_id, u.id`,
    ),

  removeWorkspace: (id: string) => db.execute(`DELETE FROM workspaces WHERE id = :id`, { id }),

  emailTaken: async (email: string, tx: Tx) =>
    (await db.one(`SELECT 1 AS one FROM users WHERE lower(email) = lower(:email)`, { email }, tx)) !== undefined,

  /** A setting left out (an older form) keeps its value. */
  async updateWorkspace(
    id: string,
    w: Pick<Workspace, 'name' | 'senderName' | 'postalAddress' | 'throttleDays'> &
      Partial<
        Pick<
          Workspace,
          'anonymityThreshold' | 'allowFrequentSchedules' | 'timeZone' | 'responseTargetHours' | 'requireTwoFactor'
        >
      >,
    tx?: Tx,
  ) {
    await db.execute(
      `UPDATE workspaces SET name = :name, sender_name = :senderName, postal_address = :postalAddress, throttle_days = :throttleDays,
         anonymity_threshold = coalesce(:anonymityThreshold, anonymity_threshold),
         allow_frequent_schedules = coalesce(:allowFrequentSchedules, allow_frequent_schedules),
         time_zone = coalesce(:timeZone, time_zone),
         response_target_hours = coalesce(:responseTargetHours, response_target_hours),
         require_two_factor = coalesce(:requireTwoFactor, require_two_factor)
       WHERE id = :id`,
      {
        id,
        ...w,
        anonymityThreshold: w.anonymityThreshold ?? null,
        allowFrequentSchedules: w.allowFrequentSchedules ?? null,
        timeZone: w.timeZone ?? null,
        responseTargetHours: w.responseTargetHours ?? null,
        requireTwoFactor: w.requireTwoFactor ?? null,
      },
      tx,
    );
  },

  /** How long the audit log keeps an entry (the audit module's purge reads it). */
  setAuditRetention: (id: string, days: number, tx?: Tx) =>
    db.execute(`UPDATE workspaces SET audit_retention_days = :days WHERE id = :id`, { id, days }, tx),

  findWorkspace: (id: string) =>
    db.one<Workspace>(
      `SELECT id, name, sender_name AS "senderName", postal_address AS "postalAddress", throttle_days AS "throttleDays",
         anonymity_threshold AS "anonymityThreshold", allow_frequent_schedules AS "allowFrequentSchedules",
         time_zone AS "timeZone", brand_color AS "brandColor",
         logo_sha256 AS "logoSha256", response_target_hours AS "responseTargetHours",
         require_two_factor AS "requireTwoFactor", audit_retention_days AS "auditRetentionDays"
       FROM workspaces WHERE id = :id`,
      { id },
    ),
});
export type AccountsRepository = ReturnType<typeof accountsRepository>;
