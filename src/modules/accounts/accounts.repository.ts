import type { Db, Tx } from '../../platform/db';

export type User = {
  id: string;
  workspaceId: string;
  name: string;
  email: string;
  role: 'owner' | 'admin' | 'member';
  alertsEnabled: boolean;
  digestEnabled: boolean;
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
};

const USER_COLUMNS = `id, workspace_id AS "workspaceId", name, email, role, alerts_enabled AS "alertsEnabled",
  digest_enabled AS "digestEnabled"`;

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

  async createUser(u: Omit<User, 'id' | 'alertsEnabled' | 'digestEnabled'> & { passwordHash: string }, tx: Tx) {
    return (await db.one<User>(
      `INSERT INTO users (workspace_id, name, email, password_hash, role)
       VALUES (:workspaceId, :name, :email, :passwordHash, :role) RETURNING ${USER_COLUMNS}`,
      u,
      tx,
    ))!;
  },

  findUserForLogin: (email: string) =>
    db.one<User & { passwordHash: string }>(
      `SELECT ${USER_COLUMNS}, password_hash AS "passwordHash" FROM users WHERE lower(email) = lower(:email)`,
      { email },
    ),

  findUser: (workspaceId: string, id: string) =>
    db.one<User>(`SELECT ${USER_COLUMNS} FROM users WHERE workspace_id = :workspaceId AND id = :id`, {
      workspaceId,
      id,
    }),

  listUsers: (workspaceId: string) =>
    db.query<User>(`SELECT ${USER_COLUMNS} FROM users WHERE workspace_id = :workspaceId ORDER BY name, email`, {
      workspaceId,
    }),

  setAlerts: (workspaceId: string, id: string, enabled: boolean) =>
    db.execute(`UPDATE users SET alerts_enabled = :enabled WHERE workspace_id = :workspaceId AND id = :id`, {
      workspaceId,
      id,
      enabled,
    }),

  setDigest: (workspaceId: string, id: string, enabled: boolean) =>
    db.execute(`UPDATE users SET digest_enabled = :enabled WHERE workspace_id = :workspaceId AND id = :id`, {
      workspaceId,
      id,
      enabled,
    }),

  /** Every teammate, of every workspace, who asked for the weekly digest. */
  digestSubscribers: () =>
    db.query<{ userId: string; workspaceId: string; anonymityThreshold: number }>(
      `SELECT u.id AS "userId", u.workspace_id AS "workspaceId", w.anonymity_threshold AS "anonymityThreshold"
       FROM users u JOIN workspaces w ON w.id = u.workspace_id WHERE u.digest_enabled ORDER BY u.workspace_id, u.id`,
    ),

  removeWorkspace: (id: string) => db.execute(`DELETE FROM workspaces WHERE id = :id`, { id }),

  emailTaken: async (email: string, tx: Tx) =>
    (await db.one(`SELECT 1 AS one FROM users WHERE lower(email) = lower(:email)`, { email }, tx)) !== undefined,

  /** A setting left out (an older form) keeps its value. */
  async updateWorkspace(
    id: string,
    w: Pick<Workspace, 'name' | 'senderName' | 'postalAddress' | 'throttleDays'> &
      Partial<Pick<Workspace, 'anonymityThreshold' | 'allowFrequentSchedules' | 'timeZone'>>,
  ) {
    await db.execute(
      `UPDATE workspaces SET name = :name, sender_name = :senderName, postal_address = :postalAddress, throttle_days = :throttleDays,
         anonymity_threshold = coalesce(:anonymityThreshold, anonymity_threshold),
         allow_frequent_schedules = coalesce(:allowFrequentSchedules, allow_frequent_schedules),
         time_zone = coalesce(:timeZone, time_zone)
       WHERE id = :id`,
      {
        id,
        ...w,
        anonymityThreshold: w.anonymityThreshold ?? null,
        allowFrequentSchedules: w.allowFrequentSchedules ?? null,
        timeZone: w.timeZone ?? null,
      },
    );
  },

  findWorkspace: (id: string) =>
    db.one<Workspace>(
      `SELECT id, name, sender_name AS "senderName", postal_address AS "postalAddress", throttle_days AS "throttleDays",
         anonymity_threshold AS "anonymityThreshold", allow_frequent_schedules AS "allowFrequentSchedules",
         time_zone AS "timeZone", brand_color AS "brandColor",
         logo_sha256 AS "logoSha256"
       FROM workspaces WHERE id = :id`,
      { id },
    ),
});
export type AccountsRepository = ReturnType<typeof accountsRepository>;
