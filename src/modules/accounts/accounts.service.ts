import type { Db } from '../../platform/db';
import { conflict, forbidden, AppError } from '../../platform/errors';
import { accountsRepository, type User } from './accounts.repository';
import { hashPassword, verifyPassword } from './passwords';
import type { AlertsInput, DigestInput, SetupInput, TeammateInput, WorkspaceInput } from './accounts.schemas';

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

    /**
     * A workspace and its owner beside those that exist (the first one is made by setup): `npm run demo` makes
     * its demo workspace this way. The owner's email must be new to this install (sign-in is by email).
     */
    async addWorkspace(input: SetupInput): Promise<User> {
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        if (await repo.emailTaken(input.email, tx)) throw conflict(`${input.email} already has a Rapport account.`);
        const workspaceId = await repo.createWorkspace(
          { name: input.workspaceName, senderName: input.senderName, postalAddress: input.postalAddress },
          tx,
        );
        return repo.createUser({ workspaceId, name: input.name, email: input.email, role: 'owner', passwordHash }, tx);
      });
    },

    /** Removes a workspace and everything in it (ON DELETE CASCADE): the demo undoes a run that failed half-way. */
    removeWorkspace: (workspaceId: string) => repo.removeWorkspace(workspaceId),

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

    /** The weekly digest is opt-in, each teammate for themselves (see the digest module). */
    async setDigest(actor: User, input: DigestInput) {
      await repo.setDigest(actor.workspaceId, actor.id, input.digestEnabled);
    },

    /** The digest's own unsubscribe link (no sign-in: its token names the teammate). */
    stopDigest: (workspaceId: string, userId: string) => repo.setDigest(workspaceId, userId, false),

    canManage,
    listUsers: repo.listUsers,
    findUser: repo.findUser,
    findWorkspace: repo.findWorkspace,
  };
}
export type AccountsService = ReturnType<typeof accountsService>;
