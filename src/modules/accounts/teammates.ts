import type { Db } from '../../platform/db';
import { accountsRepository } from './accounts.repository';

export type Teammate = { id: string; name: string; email: string };

/**
 * The workspace's people, for the modules that show, assign or check them (contact owners, survey senders,
 * conversation owners, an import's owner column). The one way to read `users` outside accounts.
 */
export function teammates(db: Db) {
  const repo = accountsRepository(db);
  return {
    /** By name. */
    list: async (workspaceId: string): Promise<Teammate[]> =>
      (await repo.listUsers(workspaceId)).map(({ id, name, email }) => ({ id, name, email })),
    /** Their names by id, to show who owns or closed something. */
    nameOf: async (workspaceId: string) => {
      const names = new Map((await repo.listUsers(workspaceId)).map((u) => [u.id, u.name]));
      return (id: string | null) => (id && names.get(id)) || null;
    },
    /** Who asked for the weekly digest, with their workspace's anonymity threshold (the digest module). */
    digestSubscribers: repo.digestSubscribers,
    /** The one "a teammate of this workspace" check: an id from a form is never trusted without it. */
    isTeammate: async (workspaceId: string, userId: string) => !!(await repo.findUser(workspaceId, userId)),
  };
}
export type Teammates = ReturnType<typeof teammates>;
