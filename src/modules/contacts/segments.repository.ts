import type { Db } from '../../platform/db';
import type { ContactFilter } from './segment.filter';

export type Segment = { id: string; name: string; filter: unknown; createdAt: Date };

export const segmentsRepository = (db: Db) => ({
  list: (workspaceId: string) =>
    db.query<Segment>(
      `SELECT id, name, filter, created_at AS "createdAt" FROM segments WHERE workspace_id = :workspaceId ORDER BY lower(name)`,
      {
        workspaceId,
      },
    ),

  find: (workspaceId: string, id: string) =>
    db.one<Segment>(
      `SELECT id, name, filter, created_at AS "createdAt" FROM segments WHERE workspace_id = :workspaceId AND id = :id`,
      {
        workspaceId,
        id,
      },
    ),

  async create(workspaceId: string, name: string, filter: ContactFilter) {
    return (
      await db.one<{ id: string }>(
        `INSERT INTO segments (workspace_id, name, filter) VALUES (:workspaceId, :name, :filter::jsonb)
       ON CONFLICT (workspace_id, lower(name)) DO NOTHING RETURNING id`,
        { workspaceId, name, filter: JSON.stringify(filter) },
      )
    )?.id;
  },

  remove: (workspaceId: string, id: string) =>
    db.execute(`DELETE FROM segments WHERE workspace_id = :workspaceId AND id = :id`, { workspaceId, id }),
});
