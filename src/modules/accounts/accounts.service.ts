import type { Db } from '../../platform/db';
import { conflict, AppError } from '../../platform/errors';
import { record, recordForPerson, type Actor } from '../audit';
import { accountsRepository, type User } from './accounts.repository';
import { hashPassword, verifyPassword } from './passwords';
import type {
  AlertsInput,
  DigestInput,
  NewWorkspaceInput,
  RoundRobinInput,
  SetupInput,
  WorkspaceInput,
} from './accounts.schemas';
import { found, forbidden } from '../../platform/errors';
import { can, type Role } from './policy';

/** Owners and admins manage the workspace (the role matrix in policy.ts): for modules that show or refuse it. */
export const canManage = (actor: User) => can(actor.role, 'workspace');

const BAD_CREDENTIALS = 'That email and password do not match. Check both and try again.';

/** Setting Rapport up, signing in, the workspace's settings and one's own alerts. */
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

    /**
     * A teammate with a password chosen for them: only `npm run demo` does this (its people sign in with the
     * password it prints). People join a real team through an emailed invitation (team.service.ts).
     */
    async addTeammate(actor: User, input: { name: string; email: string; role: Role; password: string }) {
      if (!can(actor.role, 'team')) throw forbidden('Only an owner or admin can add teammates.');
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        if (await repo.emailTaken(input.email, tx)) throw conflict(`${input.email} already has a Rapport account.`);
        return repo.createUser(
          { workspaceId: actor.workspaceId, name: input.name, email: input.email, role: input.role, passwordHash },
          tx,
        );
      });
    },

    /** Removes a workspace and everything in it (ON DELETE CASCADE): the demo undoes a run that failed half-way. */
    removeWorkspace: (workspaceId: string) => repo.removeWorkspace(workspaceId),

    /**
     * Checks a password and answers with the person as a member of the workspace they joined first (the switcher
     * moves on from there). A refused sign-in to a known account is recorded in its workspaces: it is the event.
     * The sign-in itself is recorded by `signedIn`, once every factor is given.
     */
    async login(email: string, password: string, from: Actor): Promise<User> {
      const person = await repo.findPersonByEmail(email);
      const ok = await verifyPassword(person?.passwordHash, password);
      const user = person && ok ? await repo.firstMembership(person.id) : undefined;
      if (!person || !ok || !user) {
        if (person) await recordForPerson(db, from, person.id, { action: 'signin.failed', subject: email });
        throw new AppError(401, 'bad_credentials', BAD_CREDENTIALS);
      }
      return user;
    },

    /** A completed sign-in (`method`: password, totp, recovery or oidc), in the workspace it lands in. */
    signedIn: (user: User, from: Actor, method: string) =>
      record(
        db,
        { ...from, workspaceId: user.workspaceId, userId: user.id, name: user.name },
        { action: 'signin', subject: user.email, details: { method } },
      ),

    /** A refused second factor: recorded like a refused password (the person is known, the proof failed). */
    secondFactorFailed: (userId: string, email: string, from: Actor) =>
      recordForPerson(db, from, userId, { action: 'signin.failed', subject: email, details: { factor: 'two_factor' } }),

    /**
     * Self-service sign-up (only when the install allows it): a new person and their own workspace, like first-run
     * setup but for anyone. An address that has an account is told to sign in and create a workspace from there.
     */
    async signup(input: SetupInput, from: Actor): Promise<User> {
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        if (await repo.emailTaken(input.email, tx))
          throw new AppError(409, 'email_taken', 'That address has an account: sign in, then create a workspace.', {
            email: 'Already has an account: sign in instead.',
          });
        const workspaceId = await repo.createWorkspace(
          { name: input.workspaceName, senderName: input.senderName, postalAddress: input.postalAddress },
          tx,
        );
        const user = await repo.createUser(
          { workspaceId, name: input.name, email: input.email, role: 'owner', passwordHash },
          tx,
        );
        await record(
          db,
          { ...from, workspaceId, userId: user.id, name: user.name },
          { action: 'workspace.created' },
          tx,
        );
        return user;
      });
    },

    /** Someone signed in makes another workspace, which they own. */
    async createWorkspace(actor: User, input: NewWorkspaceInput, from: Actor): Promise<User> {
      return db.transaction(async (tx) => {
        const workspaceId = await repo.createWorkspace(
          { name: input.workspaceName, senderName: input.senderName, postalAddress: input.postalAddress },
          tx,
        );
        await repo.addMembership(workspaceId, actor.id, 'owner', tx);
        await record(db, { ...from, workspaceId }, { action: 'workspace.created' }, tx);
        return (await repo.findUser(workspaceId, actor.id, tx))!;
      });
    },

    /** The person as a member of another of their workspaces; 404 when they are not one. */
    switchTo: (actor: User, workspaceId: string) => found(repo.findUser(workspaceId, actor.id), 'workspace'),

    async updateWorkspace(actor: User, input: WorkspaceInput, from: Actor) {
      await db.transaction(async (tx) => {
        await repo.updateWorkspace(actor.workspaceId, input, tx);
        await record(db, from, { action: 'workspace.updated' }, tx);
      });
    },

    /** Each teammate decides for themselves whether unhappy answers reach their inbox. */
    async setAlerts(actor: User, input: AlertsInput) {
      await repo.setAlerts(actor.workspaceId, actor.id, input.alertsEnabled);
    },

    /** Each teammate opts in or out of the round-robin of unowned unhappy answers, in this workspace. */
    async setRoundRobin(actor: User, input: RoundRobinInput) {
      await repo.setRoundRobin(actor.workspaceId, actor.id, input.roundRobin);
    },

    /** The weekly digest is opt-in, each teammate for themselves (see the digest module). */
    async setDigest(actor: User, input: DigestInput) {
      await repo.setDigest(actor.workspaceId, actor.id, input.digestEnabled);
    },

    /** The digest's own unsubscribe link (no sign-in: its token names the teammate). */
    stopDigest: (workspaceId: string, userId: string) => repo.setDigest(workspaceId, userId, false),

    setAuditRetention: repo.setAuditRetention,
    listUsers: repo.listUsers,
    findUser: repo.findUser,
    findWorkspace: repo.findWorkspace,
    workspacesOf: repo.workspacesOf,
  };
}
export type AccountsService = ReturnType<typeof accountsService>;
