import type { Db, Tx } from '../../platform/db';

export type Scope = 'read' | 'write';

/** A key as the Settings page lists it: never the key itself, never its hash. */
export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

/** The key a request presented, once found valid. */
export type ApiKey = { id: string; workspaceId: string; name: string; scopes: Scope[] };

export const keysRepository = (db: Db) => ({
  create: async (
    k: { workspaceId: string; name: string; prefix: string; hash: Buffer; scopes: Scope[]; by: string },
    tx?: Tx,
  ) =>
    (await db.one<{ id: string }>(
      `INSERT INTO api_keys (workspace_id, name, prefix, key_hash, scopes, created_by)
       VALUES ($1, $2, $3, $4, $5::text[], $6) RETURNING id`,
      [k.workspaceId, k.name, k.prefix, k.hash, k.scopes, k.by],
      tx,
    ))!.id,

  list: (workspaceId: string) =>
    db.query<ApiKeyRow>(
      `SELECT id, name, prefix, scopes, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
       FROM api_keys WHERE workspace_id = :workspaceId ORDER BY revoked_at IS NOT NULL, created_at DESC`,
      { workspaceId },
    ),

  revoke: (workspaceId: string, id: string, tx?: Tx) =>
    db.execute(
      `UPDATE api_keys SET revoked_at = now() WHERE workspace_id = :workspaceId AND id = :id AND revoked_at IS NULL`,
      { workspaceId, id },
      tx,
    ),

  exists: async (workspaceId: string, id: string) =>
    !!(await db.one(`SELECT 1 AS ok FROM api_keys WHERE workspace_id = :workspaceId AND id = :id`, {
      workspaceId,
      id,
    })),

  /**
   * The live key with this hash. Its last use is written at most once a minute: a busy integration must not turn
   * every request into a write on one row.
   */
  async authenticate(hash: Buffer) {
    const key = await db.one<ApiKey>(
      `SELECT id, workspace_id AS "workspaceId", name, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
    if (key)
      await db.execute(
        `UPDATE api_keys SET last_used_at = now()
         WHERE id = :id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        { id: key.id },
      );
    return key;
  },
});
