import crypto from 'node:crypto';
import type { Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { record, recordForPerson, type Actor } from '../audit';
import { accountsRepository, type User } from './accounts.repository';
import { identitiesRepository } from './identities.repository';
import { invitationsRepository } from './invitations.repository';
import type { OidcIdentity } from './oidc';
import { hashPassword } from './passwords';

const refused = (message: string) => new AppError(403, 'sso_refused', message);

/**
 * Who a single sign-on is, by the linking rule (README): the provider's `(issuer, subject)` once linked; before
 * that, only a verified email that is already a Rapport account or has an open invitation. Nobody gets in by
 * single sign-on who could not have got in by password or by their invitation link.
 */
export function ssoService(db: Db) {
  const repo = accountsRepository(db);
  const identities = identitiesRepository(db);
  const invitations = invitationsRepository(db);

  /** A refusal to a known account is recorded in its workspaces (like a wrong password); then thrown. */
  const refuse = async (from: Actor, personId: string | undefined, email: string, reason: string, message: string) => {
    if (personId)
      await recordForPerson(db, from, personId, {
        action: 'signin.failed',
        subject: email,
        details: { method: 'oidc', reason },
      });
    return Promise.reject(Object.assign(refused(message), { reason }));
  };

  return {
    /** The person as a member of the workspace they land in; refused (403) when the rule does not let them in. */
    async signIn(id: OidcIdentity, provider: string, from: Actor): Promise<User> {
      const outcome = await db.transaction(async (tx) => {
        const linked = await identities.signedIn(id.issuer, id.subject, tx);
        if (linked) return { userId: linked };
        if (!id.email || !id.emailVerified) return { refusal: 'email_unverified' as const };
        const person = await repo.findPersonByEmail(id.email, tx);
        if (person) {
          // One provider account per person: a second one with the same address is someone else's to explain.
          if (await identities.linkedSubject(person.id, id.issuer, tx))
            return { refusal: 'linked_elsewhere' as const, personId: person.id };
          await identities.link({ ...id, email: id.email, userId: person.id }, tx);
          return { userId: person.id };
        }
        const open = await invitations.usableFor(id.email, tx);
        if (!open.length) return { refusal: 'not_invited' as const };
        // Joining by invitation: the address is proven by the provider instead of by the emailed link.
        const [first, ...others] = open as [(typeof open)[number], ...typeof open];
        const user = await repo.createUser(
          {
            workspaceId: first.workspaceId,
            name: id.name ?? id.email.split('@')[0]!,
            email: id.email,
            role: first.role,
            // A password nobody knows: they sign in by the provider (or choose one through "forgot password").
            passwordHash: await hashPassword(crypto.randomBytes(32).toString('base64url')),
          },
          tx,
        );
        for (const invitation of others) await repo.addMembership(invitation.workspaceId, user.id, invitation.role, tx);
        for (const invitation of open) {
          await invitations.accept(invitation.id, tx);
          await record(
            db,
            { ...from, workspaceId: invitation.workspaceId, userId: user.id, name: user.name },
            { action: 'invitation.accepted', subject: user.email, details: { role: invitation.role, method: 'oidc' } },
            tx,
          );
        }
        await identities.link({ ...id, email: id.email, userId: user.id }, tx);
        return { userId: user.id, joined: first.workspaceId };
      });

      const email = id.email ?? id.subject;
      if (outcome.refusal) {
        const { personId } = outcome;
        if (outcome.refusal === 'email_unverified')
          return refuse(
            from,
            (await repo.findPersonByEmail(email))?.id,
            email,
            outcome.refusal,
            `${provider} did not confirm that your email address is verified, so Rapport cannot tell which account is yours. Verify it there, or sign in with your password.`,
          );
        if (outcome.refusal === 'linked_elsewhere')
          return refuse(
            from,
            personId,
            email,
            outcome.refusal,
            `The Rapport account of ${email} already signs in with another ${provider} account. Use that one, or sign in with your password.`,
          );
        return refuse(
          from,
          undefined,
          email,
          outcome.refusal,
          `${email} has no Rapport account here. Ask an owner of your team to invite you, then sign in with ${provider} again.`,
        );
      }
      const user = outcome.joined
        ? await repo.findUser(outcome.joined, outcome.userId)
        : await repo.firstMembership(outcome.userId);
      // A linked person in no workspace any more (removed everywhere) has no account left to sign in to.
      if (!user) return refuse(from, undefined, email, 'no_workspace', `${email} is not on any team here any more.`);
      return user;
    },
  };
}
export type SsoService = ReturnType<typeof ssoService>;
