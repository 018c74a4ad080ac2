import type { NextFunction, Request, Response } from 'express';
import { unauthenticated } from '../../platform/errors';
import type { AccountsService } from './accounts.service';
import type { User, Workspace } from './accounts.repository';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    workspaceId: string;
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

/** Who is signed in, for the layout; never refuses. */
export const loadUser = (accounts: AccountsService) => async (req: Request, res: Response, next: NextFunction) => {
  const { userId, workspaceId } = req.session ?? {};
  if (userId && workspaceId) {
    const [user, workspace] = await Promise.all([
      accounts.findUser(workspaceId, userId),
      accounts.findWorkspace(workspaceId),
    ]);
    if (user && workspace) {
      req.auth = { user, workspace };
      res.locals.user = user;
      res.locals.workspace = workspace;
    }
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

/** The signed-in person's workspace; routes behind requireUser only. */
export const auth = (req: Request) => {
  if (!req.auth) throw unauthenticated();
  return req.auth;
};
