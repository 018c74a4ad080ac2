import type { Request } from 'express';
import type { User } from './accounts.repository';

/**
 * Puts a person in the session, under a new session id (an id planted or seen before is worth nothing after):
 * at sign-in, on accepting an invitation, on switching workspace.
 */
export const signIn = (req: Request, user: User, o: { keepSignedInAt?: boolean } = {}) =>
  new Promise<void>((resolve, reject) => {
    const signedInAt = (o.keepSignedInAt && req.session.signedInAt) || Date.now();
    req.session.regenerate((err) => {
      if (err) return reject(err);
      req.session.userId = user.id;
      req.session.workspaceId = user.workspaceId;
      req.session.role = user.role;
      req.session.signedInAt = signedInAt;
      req.session.userAgent = String(req.get('user-agent') ?? '').slice(0, 200);
      req.session.save((e) => (e ? reject(e) : resolve()));
    });
  });

export const signOut = (req: Request) =>
  new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));

/**
 * The password was right and a code is owed: a new session id holding only who it is for (never `userId`, so
 * nothing signed-in opens for it) until the code signs them in (`signIn` rotates the id again).
 */
export const holdForCode = (
  req: Request,
  pending: { userId: string; workspaceId: string; email: string; next: string; via?: 'oidc' },
) =>
  new Promise<void>((resolve, reject) => {
    req.session.regenerate((err) => {
      if (err) return reject(err);
      req.session.pending = { ...pending, at: Date.now() };
      req.session.save((e) => (e ? reject(e) : resolve()));
    });
  });
