import type { Db, Tx } from '../../platform/db';
import { conflict, forbidden, found, gone, invalid } from '../../platform/errors';
import { hashToken, newToken, type Sealer } from '../../platform/tokens';
import { record, type Actor } from '../audit';
import { accountsRepository, type User } from './accounts.repository';
import type { AcceptInput, InvitationInput, RemovalInput, RoleInput } from './accounts.schemas';
import { invitationsRepository } from './invitations.repository';
import { hashPassword, verifyPassword } from './passwords';
import { mayAssign, type Role } from './policy';
import type { SessionsRepository } from './sessions';

/**
 * What another module does when a teammate leaves: give what they own in the workspace to the successor.
 * Each module hands over its own rows (contacts: owned contacts; followups: owned conversations; surveys: the
 * ones they sign), and says beforehand, in its own words, what it will do (the confirmation page lists it).
 */
export type HandOver = {
  /** What will happen to what they hold here, said to the person removing them; null when they hold nothing. */
  describe: (workspaceId: string, fromUserId: string, successorName: string) => Promise<string | null>;
  move: (workspaceId: string, fromUserId: string, toUserId: string, tx: Tx) => Promise<number>;
};

/** An invitation link is good for a week. */
export const INVITATION_DAYS = 7;

export type TeamDeps = {
  sealer: Sealer;
  sessions: SessionsRepository;
  onQueued: () => void;
  handOver?: HandOver[];
};

/** The team of a workspace: invitations, roles, removals. Who may call what is policy.ts's call. */
export function teamService(db: Db, deps: TeamDeps) {
  const repo = accountsRepository(db);
  const invitations = invitationsRepository(db);

  /** The last owner is never demoted or removed: a workspace always has someone who can manage everything. */
  const keepAnOwner = async (target: User, tx: Tx) => {
    const owners = await repo.lockOwners(target.workspaceId, tx);
    if (target.role === 'owner' && owners.length <= 1)
      throw conflict(`${target.name} is the last owner. Make someone else an owner first.`);
  };

  /** The teammate being acted on, locked, in the actor's workspace; 404 otherwise, 403 when not theirs to change. */
  const targetOf = async (actor: User, id: string, to: Role | undefined, tx: Tx) => {
    const target = await found(repo.findUser(actor.workspaceId, id, tx), 'teammate');
    if (!mayAssign(actor.role, target.role, to)) throw forbidden('Only an owner can make, change or remove an owner.');
    return target;
  };

  /** A new link for an address: the token only ever in the email, hashed in the table. */
  const queueInvitation = async (actor: User, input: InvitationInput, tx: Tx) => {
    const token = newToken();
    await invitations.create(
      {
        workspaceId: actor.workspaceId,
        email: input.email,
        role: input.role,
        invitedBy: actor.id,
        inviterName: actor.name,
      },
      { hash: hashToken(token), sealed: deps.sealer.seal(token) },
      INVITATION_DAYS,
      tx,
    );
  };

  return {
    pendingInvitations: invitations.pending,

    async invite(actor: User, input: InvitationInput, from: Actor) {
      if (!mayAssign(actor.role, 'viewer', input.role)) throw forbidden('Only an owner can invite an owner.');
      await db.transaction(async (tx) => {
        const person = await repo.findPersonByEmail(input.email, tx);
        if (person && (await repo.findUser(actor.workspaceId, person.id, tx)))
          throw invalid('They are already on the team.', { email: 'Already on the team.' });
        if (await invitations.openFor(actor.workspaceId, input.email, tx))
          throw conflict('That address is already invited: resend or revoke its invitation below.');
        await queueInvitation(actor, input, tx);
        await record(db, from, { action: 'invitation.sent', subject: input.email, details: { role: input.role } }, tx);
      });
      deps.onQueued();
    },

    /** A fresh link (and a fresh week): the old one stops working. */
    async resend(actor: User, id: string, _input: unknown, from: Actor) {
      await db.transaction(async (tx) => {
        const old = await found(invitations.findPending(actor.workspaceId, id, tx), 'invitation');
        if (!mayAssign(actor.role, 'viewer', old.role)) throw forbidden('Only an owner can invite an owner.');
        await invitations.revoke(old.id, tx);
        await queueInvitation(actor, { email: old.email, role: old.role }, tx);
        await record(db, from, { action: 'invitation.resent', subject: old.email }, tx);
      });
      deps.onQueued();
    },

    async revoke(actor: User, id: string, _input: unknown, from: Actor) {
      await db.transaction(async (tx) => {
        const old = await found(invitations.findPending(actor.workspaceId, id, tx), 'invitation');
        await invitations.revoke(old.id, tx);
        await record(db, from, { action: 'invitation.revoked', subject: old.email }, tx);
      });
    },

    /** What the link's page shows: the invitation, and whether the address already has an account. */
    async invitation(token: string) {
      const invitation = await invitations.usable(hashToken(token));
      if (!invitation)
        throw gone('This invitation link was used, revoked or has expired. Ask whoever invited you for a new one.');
      const person = await repo.findPersonByEmail(invitation.email);
      return { invitation, hasAccount: !!person };
    },

    /**
     * Accepting: a new account with the name and password given, or — the address already has one — a new
     * membership once its password (or the signed-in session of that same person) proves it is theirs. The link
     * is spent in the same transaction: two tabs accepting at once make one membership.
     */
    async accept(token: string, input: AcceptInput, signedIn: User | undefined, from: Actor): Promise<User> {
      return db.transaction(async (tx) => {
        const invitation = await invitations.usable(hashToken(token), tx);
        if (!invitation)
          throw gone('This invitation link was used, revoked or has expired. Ask whoever invited you for a new one.');
        const person = await repo.findPersonByEmail(invitation.email, tx);
        let userId: string;
        if (person) {
          const proven = signedIn?.id === person.id || (await verifyPassword(person.passwordHash, input.password));
          if (!proven) throw invalid('That is not the password of this account.', { password: 'Wrong password.' });
          await repo.addMembership(invitation.workspaceId, person.id, invitation.role, tx);
          userId = person.id;
        } else {
          if (!input.name) throw invalid('Enter your name.', { name: 'Your name is required.' });
          const user = await repo.createUser(
            {
              workspaceId: invitation.workspaceId,
              name: input.name,
              email: invitation.email,
              role: invitation.role,
              passwordHash: await hashPassword(input.password),
            },
            tx,
          );
          userId = user.id;
        }
        await invitations.accept(invitation.id, tx);
        const user = (await repo.findUser(invitation.workspaceId, userId, tx))!;
        await record(
          db,
          { ...from, workspaceId: user.workspaceId, userId: user.id, name: user.name },
          { action: 'invitation.accepted', subject: user.email, details: { role: user.role } },
          tx,
        );
        return user;
      });
    },

    /** A new role takes effect on the teammate's next request (and their session id changes then). */
    async changeRole(actor: User, id: string, input: RoleInput, from: Actor) {
      await db.transaction(async (tx) => {
        const target = await targetOf(actor, id, input.role, tx);
        if (target.role === input.role) return;
        if (input.role !== 'owner') await keepAnOwner(target, tx);
        await repo.setRole(actor.workspaceId, target.id, input.role, tx);
        await record(
          db,
          from,
          { action: 'member.role_changed', subject: target.email, details: { from: target.role, to: input.role } },
          tx,
        );
      });
    },

    /**
     * What removing a teammate would do, for its confirmation page: whom what they own goes to (the one asked
     * for, else the person removing them, else the first other teammate), what each module does with it, and
     * why it cannot be done (an admin and an owner, the last owner) — checked again by `remove`.
     */
    async removalPlan(actor: User, id: string, successorId: string | undefined) {
      const target = await found(repo.findUser(actor.workspaceId, id), 'teammate');
      const others = (await repo.listUsers(actor.workspaceId)).filter((u) => u.id !== target.id);
      const successor = others.find((u) => u.id === successorId) ?? others.find((u) => u.id === actor.id) ?? others[0];
      const owners = others.filter((u) => u.role === 'owner').length + (target.role === 'owner' ? 1 : 0);
      const refusal = !mayAssign(actor.role, target.role, undefined)
        ? 'Only an owner can make, change or remove an owner.'
        : target.role === 'owner' && owners <= 1
          ? `${target.name} is the last owner. Make someone else an owner first.`
          : !successor
            ? `${target.name} is the only teammate: there is nobody to hand their conversations and contacts to.`
            : undefined;
      const notes = successor
        ? (
            await Promise.all(
              (deps.handOver ?? []).map((h) => h.describe(actor.workspaceId, target.id, successor.name)),
            )
          ).filter((n): n is string => !!n)
        : [];
      return {
        target,
        successor,
        others,
        notes,
        otherWorkspaces: (await repo.workspacesOf(target.id)).length - 1,
        refusal,
      };
    },

    /** They leave the workspace: what they owned goes to the successor, their sessions in it end, the record stays. */
    async remove(actor: User, id: string, input: RemovalInput, from: Actor) {
      await db.transaction(async (tx) => {
        const target = await targetOf(actor, id, undefined, tx);
        if (input.successorId === target.id || !(await repo.findUser(actor.workspaceId, input.successorId, tx)))
          throw invalid('Choose a teammate who stays.', { successorId: 'Choose a teammate who stays.' });
        await keepAnOwner(target, tx);
        for (const handOver of deps.handOver ?? [])
          await handOver.move(actor.workspaceId, target.id, input.successorId, tx);
        await deps.sessions.endInWorkspace(target.id, actor.workspaceId, tx);
        await repo.removeMember(actor.workspaceId, target.id, tx);
        await record(db, from, { action: 'member.removed', subject: target.email, details: { role: target.role } }, tx);
      });
    },
  };
}
export type TeamService = ReturnType<typeof teamService>;
