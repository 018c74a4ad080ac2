import type { Db } from '../../platform/db';
import { AppError, gone, invalid } from '../../platform/errors';
import { hashToken, newToken, type Sealer } from '../../platform/tokens';
import { recordForPerson, type Actor } from '../audit';
import { accountsRepository, type User } from './accounts.repository';
import type { ChangePasswordInput } from './accounts.schemas';
import { hashPassword, verifyPassword } from './passwords';
import { resetsRepository } from './resets.repository';
import type { SessionsRepository } from './sessions';

/** A reset link is good for an hour. */
export const RESET_MINUTES = 60;

/** One's own password: change it (knowing the current one), or reset it by email (forgot it). */
export function passwordService(db: Db, deps: { sealer: Sealer; sessions: SessionsRepository; onQueued: () => void }) {
  const repo = accountsRepository(db);
  const resets = resetsRepository(db);
  const expired = () =>
    gone('This reset link was used or has expired (links work once, for one hour). Ask for a new one.');

  return {
    /** Every other session of theirs ends: whoever else knew the old password is out. */
    async change(user: User, input: ChangePasswordInput, currentSid: string, from: Actor) {
      const passwordHash = await hashPassword(input.password);
      await db.transaction(async (tx) => {
        const person = (await repo.findPerson(user.id, tx))!;
        if (!(await verifyPassword(person.passwordHash, input.current)))
          throw new AppError(422, 'invalid', 'Your current password is not that.', { current: 'Wrong password.' });
        await repo.setPassword(user.id, passwordHash, tx);
        await deps.sessions.endAll(user.id, tx, currentSid);
        await recordForPerson(db, from, user.id, { action: 'password.changed', subject: user.email }, tx);
      });
    },

    /**
     * The same answer whether or not the address has an account (the caller says "if it exists, we sent a link"
     * either way): nothing tells an attacker which addresses are ours. The hash is computed either way, too.
     */
    async requestReset(email: string, from: Actor) {
      const token = newToken();
      const sealed = deps.sealer.seal(token);
      const queued = await db.transaction(async (tx) => {
        const person = await repo.findPersonByEmail(email, tx);
        if (!person) return false;
        await resets.create(person.id, { hash: hashToken(token), sealed }, RESET_MINUTES, tx);
        await recordForPerson(db, from, person.id, { action: 'password.reset_requested', subject: person.email }, tx);
        return true;
      });
      if (queued) deps.onQueued();
    },

    /** The link's page: only shown while the link can still be used. */
    async checkReset(token: string) {
      if (!(await resets.usable(hashToken(token)))) throw expired();
    },

    /** Spends the link (and any other open one), sets the password, ends every session of theirs. */
    async reset(token: string, password: string, from: Actor) {
      if (!password) throw invalid('Choose a new password.');
      const passwordHash = await hashPassword(password);
      await db.transaction(async (tx) => {
        const link = await resets.usable(hashToken(token), tx);
        if (!link) throw expired();
        await resets.useAll(link.userId, tx);
        await repo.setPassword(link.userId, passwordHash, tx);
        await deps.sessions.endAll(link.userId, tx);
        await recordForPerson(db, { ...from, userId: link.userId }, link.userId, { action: 'password.reset' }, tx);
      });
    },
  };
}
export type PasswordService = ReturnType<typeof passwordService>;
