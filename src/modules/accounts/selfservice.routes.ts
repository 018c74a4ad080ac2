import { Router, type Request } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Db } from '../../platform/db';
import { AppError, gone } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import { PgRateLimitStore } from '../../platform/pgRateLimitStore';
import { looksLikeToken } from '../../platform/tokens';
import { parse } from '../../platform/validation';
import { who } from '../audit';
import { acceptExistingSchema, acceptNewSchema, forgotSchema, resetSchema } from './accounts.schemas';
import type { PasswordService } from './password.service';
import { signIn } from './signin';
import type { TeamService } from './team.service';

const WINDOW_MINUTES = 15;

/**
 * "Forgot password" is rate-limited per address (3 links a quarter hour: nobody floods a person's inbox) and per
 * client (10: nobody probes many addresses), counted in PostgreSQL so every instance shares the count.
 */
function forgotThrottle(db: Db) {
  const limiter = (prefix: string, limit: number, key?: (req: Request) => string) =>
    rateLimit({
      windowMs: WINDOW_MINUTES * 60_000,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      store: new PgRateLimitStore(db, prefix),
      ...(key ? { keyGenerator: key } : {}),
      handler: (_req, res, next) => {
        res.setHeader('Retry-After', String(WINDOW_MINUTES * 60));
        next(
          new AppError(429, 'rate_limited', `Too many reset requests. Wait ${WINDOW_MINUTES} minutes and try again.`),
        );
      },
    });
  const emailOf = (req: Request) =>
    String(req.body?.email ?? '')
      .trim()
      .toLowerCase()
      .slice(0, 254) || '-';
  return [limiter('forgot-ip:', 10), limiter('forgot-email:', 3, emailOf)];
}

/** A token from the path: one that cannot be ours is "used or expired", like one that was. */
const tokenOf = (req: Request, message: string) => {
  const token = String(req.params.token ?? '');
  if (!looksLikeToken(token)) throw gone(message);
  return token;
};
const INVITATION_GONE = 'This invitation link was used, revoked or has expired. Ask whoever invited you for a new one.';
const RESET_GONE = 'This reset link was used or has expired (links work once, for one hour). Ask for a new one.';

/** What a signed-out person does for themselves: ask for a reset link, use it, accept an invitation. */
export function selfServiceRoutes(deps: { db: Db; passwords: PasswordService; team: TeamService }) {
  const r = Router();
  const { passwords, team } = deps;

  r.get('/forgot', (req, res) => {
    res.render('accounts/forgot', {
      title: 'Forgot your password?',
      sent: req.query.sent === '1',
      values: {},
      errors: {},
    });
  });
  r.post(
    '/forgot',
    ...handleForm({
      view: 'accounts/forgot',
      page: () => ({ title: 'Forgot your password?', sent: false }),
      before: forgotThrottle(deps.db),
      schema: forgotSchema,
      run: async ({ email }, req) => {
        await passwords.requestReset(email, who(req));
        return '/forgot?sent=1';
      },
    }),
  );

  const resetPage = () => ({ title: 'Choose a new password' });
  r.get('/reset/:token', async (req, res) => {
    await passwords.checkReset(tokenOf(req, RESET_GONE));
    res.render('accounts/reset', { ...resetPage(), action: req.originalUrl, values: {}, errors: {} });
  });
  r.post(
    '/reset/:token',
    ...handleForm({
      view: 'accounts/reset',
      page: (req) => ({ ...resetPage(), action: req.originalUrl }),
      schema: resetSchema,
      run: async ({ password }, req) => {
        await passwords.reset(tokenOf(req, RESET_GONE), password, who(req));
        return '/login?reset=1';
      },
    }),
  );

  const invitationPage = async (req: Request) => {
    const { invitation, hasAccount } = await team.invitation(tokenOf(req, INVITATION_GONE));
    const signedInAs = req.auth?.user.email.toLowerCase() === invitation.email.toLowerCase();
    return { title: `Join ${invitation.workspaceName}`, invitation, hasAccount, signedInAs, action: req.originalUrl };
  };
  r.get('/invitations/:token', async (req, res) => {
    res.render('accounts/invitation', { ...(await invitationPage(req)), values: {}, errors: {} });
  });
  r.post(
    '/invitations/:token',
    ...handleForm({
      view: 'accounts/invitation',
      page: invitationPage,
      run: async (body, req) => {
        const token = tokenOf(req, INVITATION_GONE);
        const { invitation, hasAccount } = await team.invitation(token);
        const signedIn = req.auth?.user;
        // A person already signed in as the invited address joins with one click; others prove it or sign up.
        const signedInAs = signedIn?.email.toLowerCase() === invitation.email.toLowerCase();
        const input = signedInAs ? { password: '' } : parse(hasAccount ? acceptExistingSchema : acceptNewSchema, body);
        const user = await team.accept(token, input, signedInAs ? signedIn : undefined, who(req));
        await signIn(req, user);
        return '/surveys';
      },
    }),
  );

  return r;
}
