import type { Db } from '../../platform/db';
import { conflict, forbidden, AppError } from '../../platform/errors';
import { accountsRepository, type User } from './accounts.repository';
import { hashPassword, verifyPassword } from './passwords';
import type { AlertsInput, SetupInput, TeammateInput, WorkspaceInput } from './accounts.schemas';

export const canManage = (actor: User) => actor.role === 'owner' || actor.role === 'admin';

export function accountsService(db: Db) {
  const repo = accountsRepository(db);
  return {
    needsSetup: async () => !(await repo.hasWorkspace()),

    /** First run: one workspace and its owner, created together or not at all. */
    async setup(input: SetupInput): Promise<User> {
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        // Two people submitting setup at once: the second waits here, then finds the workspace made.
        await repo.lockWorkspaces(tx);
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

    /**
     * A teammate gets an account with a temporary password the inviter passes on; they can own contacts
     * and sign survey emails, which is the point: answers go to a named person.
     */
    async addTeammate(actor: User, input: TeammateInput): Promise<User> {
      if (!canManage(actor)) throw forbidden('Only an owner or admin can add teammates.');
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        if (await repo.emailTaken(input.email, tx)) {
          throw new AppError(409, 'email_taken', 'That email already has a Rapport account.', {
            email: 'Already has an account.',
          });
        }
        return repo.createUser(
          { workspaceId: actor.workspaceId, name: input.name, email: input.email, role: input.role, passwordHash },
          tx,
        );
      });
    },

    async updateWorkspace(actor: User, input: WorkspaceInput) {
      if (!canManage(actor)) throw forbidden('Only an owner or admin can change workspace settings.');
      await repo.updateWorkspace(actor.workspaceId, input);
    },

    /** Each teammate decides for themselves whether unhappy answers reach their inbox. */
    async setAlerts(actor: User, input: AlertsInput) {
      await repo.setAlerts(actor.workspaceId, actor.id, input.alertsEnabled);
    },

    canManage,
    listUsers: repo.listUsers,
    findUser: repo.findUser,
    findWorkspace: repo.findWorkspace,
  };
}
export type AccountsService = ReturnType<typeof accountsService>;
