import type { NextFunction, Request, Response } from 'express';
import { forbidden, unauthenticated } from '../../platform/errors';
import type { AccountsService } from './accounts.service';
import type { User, Workspace } from './accounts.repository';
import type { OidcPending } from './oidc';
import { can, type Permission, type Role } from './policy';
import { signIn, signOut } from './signin';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    workspaceId: string;
    /** The role the session was issued for: when it changes, so does the session id. */
    role: Role;
    signedInAt: number;
    userAgent: string;
    /** Between the password and the code of a two-factor sign-in (accounts.routes.ts). */
    pending: { userId: string; workspaceId: string; email: string; next: string; at: number; via?: 'oidc' };
    /** Between leaving for the identity provider and coming back (oidc.ts): what the callback must match. */
    oidc?: OidcPending;
    /** When this session last sent a write (ms): its reads must see it (platform/replica.ts). */
    wroteAt?: number;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      auth?: { user: User; workspace: Workspace };
    }
  }
}

/**
 * Who is signed in, for the layout; never refuses. A session past its absolute lifetime (`absoluteMs` since
 * sign-in, however active) is ended here; the idle timeout is the store's (`expire`, pushed on each request).
 */
export const loadUser =
  (accounts: AccountsService, o: { absoluteMs: number }) => async (req: Request, res: Response, next: NextFunction) => {
    const { userId, workspaceId, signedInAt } = req.session ?? {};
    if (!userId || !workspaceId) return next();
    if (!signedInAt || Date.now() - signedInAt > o.absoluteMs) {
      await signOut(req);
      return next();
    }
    const [user, workspace, workspaces] = await Promise.all([
      accounts.findUser(workspaceId, userId),
      accounts.findWorkspace(workspaceId),
      accounts.workspacesOf(userId),
    ]);
    if (user && workspace) {
      // A privilege change (either way) rotates the session id: one captured before it is worth nothing after.
      if (req.session.role !== user.role) await signIn(req, user, { keepSignedInAt: true });
      req.auth = { user, workspace };
      res.locals.user = user;
      res.locals.workspace = workspace;
      res.locals.workspaces = workspaces;
      res.locals.can = (permission: Permission) => can(user.role, permission);
    }
    next();
  };

/** Every team page goes through this; pages send people to /login, the API answers 401. */
export const requireUser = (req: Request, res: Response, next: NextFunction) => {
  if (req.auth) return next();
  if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
    return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  }
  next(unauthenticated());
};

/**
 * A workspace that requires two-factor sign-in sends a member without it to enrol before anything else: pages
 * redirect there, other requests are refused. Enrolling, and switching to another workspace, stay open.
 */
export const requireTwoFactor = (req: Request, res: Response, next: NextFunction) => {
  const { user, workspace } = req.auth ?? {};
  if (!user || !workspace?.requireTwoFactor || user.twoFactor) return next();
  if (req.path.startsWith('/account/two-factor') || req.path === '/workspaces/switch') return next();
  if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') return res.redirect(303, '/account/two-factor');
  next(forbidden(`${workspace.name} requires two-factor sign-in. Turn it on under Your account first.`));
};

/** The signed-in person's workspace; routes behind requireUser only. */
export const auth = (req: Request) => {
  if (!req.auth) throw unauthenticated();
  return req.auth;
};
