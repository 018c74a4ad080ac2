import { Router, type Request } from 'express';
import { handleForm, showForm } from '../../platform/forms';
import { who } from '../audit';
import { changePasswordSchema } from './accounts.schemas';
import { auth } from './auth.middleware';
import type { PasswordService } from './password.service';
import type { SessionsRepository } from './sessions';
import { signIn } from './signin';

/** One's own account: password, and where one is signed in. */
export function accountRoutes(deps: { passwords: PasswordService; sessions: SessionsRepository }) {
  const r = Router();
  const { passwords, sessions } = deps;

  const NOTICES: Record<string, string> = {
    password: 'Password changed. Every other session of yours is signed out.',
    others: 'Signed out everywhere else.',
    ended: 'That session is signed out.',
  };
  const accountPage = async (req: Request) => ({
    title: 'Your account',
    sessions: await sessions.list(auth(req).user.id, req.session.id),
    notice: NOTICES[Object.keys(NOTICES).find((k) => req.query[k] === '1') ?? ''] ?? '',
  });

  r.get('/account', showForm('accounts/account', accountPage));

  r.post(
    '/account/password',
    ...handleForm({
      view: 'accounts/account',
      page: accountPage,
      schema: changePasswordSchema,
      run: async (input, req) => {
        const { user } = auth(req);
        await passwords.change(user, input, req.session.id, who(req));
        // This session stays, under a new id.
        await signIn(req, user, { keepSignedInAt: true });
        return '/account?password=1';
      },
    }),
  );

  r.post(
    '/account/sessions/others/end',
    ...handleForm({
      run: async (_input, req) => {
        await sessions.endAll(auth(req).user.id, undefined, req.session.id);
        return '/account?others=1';
      },
    }),
  );

  r.post(
    '/account/sessions/:key/end',
    ...handleForm({
      run: async (_input, req) => {
        await sessions.endOne(auth(req).user.id, String(req.params.key));
        return '/account?ended=1';
      },
    }),
  );

  return r;
}
