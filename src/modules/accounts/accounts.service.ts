import type { Db } from '../../platform/db';
import { conflict, AppError } from '../../platform/errors';
import { accountsRepository, type User } from './accounts.repository';
import { hashPassword, verifyPassword } from './passwords';
import type { SetupInput } from './accounts.schemas';

export function accountsService(db: Db) {
  const repo = accountsRepository(db);
  return {
    needsSetup: async () => !(await repo.hasWorkspace()),

    /** First run: one workspace and its owner, created together or not at all. */
    async setup(input: SetupInput): Promise<User> {
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        // Two people submitting setup at once: the second waits here, then finds the workspace made.
        await db.query(`LOCK TABLE workspaces IN SHARE ROW EXCLUSIVE MODE`, {}, tx);
        if (await repo.hasWorkspace(tx)) throw conflict('Rapport is already set up here. Sign in instead.');
        const workspaceId = await repo.createWorkspace(
          { name: input.workspaceName, senderName: input.senderName, postalAddress: input.postalAddress },
          tx,
        );
        return repo.createUser({ workspaceId, name: input.name, email: input.email, role: 'owner', passwordHash }, tx);
      });
    },

    async login(email: string, password: string): Promise<User> {
      const found = await repo.findUserForLogin(email);
      const ok = await verifyPassword(found?.passwordHash, password);
      if (!found || !ok) {
        throw new AppError(401, 'bad_credentials', 'That email and password do not match. Check both and try again.');
      }
      const { passwordHash: _omit, ...user } = found;
      return user;
    },

    findUser: repo.findUser,
    findWorkspace: repo.findWorkspace,
  };
}
export type AccountsService = ReturnType<typeof accountsService>;
