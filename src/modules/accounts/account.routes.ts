import { Router, type Request, type Response } from 'express';
import { handleForm, showForm } from '../../platform/forms';
import { who } from '../audit';
import { changePasswordSchema, codeSchema, disableTwoFactorSchema } from './accounts.schemas';
import { auth } from './auth.middleware';
import type { PasswordService } from './password.service';
import type { SessionsRepository } from './sessions';
import { signIn } from './signin';
import type { TwoFactorService } from './twoFactor';

/** One's own account: password, and where one is signed in. */
export function accountRoutes(deps: {
  passwords: PasswordService;
  sessions: SessionsRepository;
  twoFactor: TwoFactorService;
}) {
  const r = Router();
  const { passwords, sessions, twoFactor } = deps;

  const NOTICES: Record<string, string> = {
    password: 'Password changed. Every other session of yours is signed out.',
    others: 'Signed out everywhere else.',
    ended: 'That session is signed out.',
    twoFactorOff: 'Two-factor sign-in is off. Your password alone signs you in now.',
  };
  const accountPage = async (req: Request) => ({
    title: 'Your account',
    sessions: await sessions.list(auth(req).user.id, req.session.id),
    twoFactor: auth(req).user.twoFactor,
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

  /** Enrol (a secret to scan, confirmed by a code) or, once on, the recovery codes left and the way to turn it off. */
  const twoFactorPage = async (req: Request) => {
    const { user, workspace } = auth(req);
    return {
      title: 'Two-factor sign-in',
      enabled: user.twoFactor,
      required: workspace.requireTwoFactor,
      enrolment: user.twoFactor ? undefined : await twoFactor.enrolment(user),
      codesLeft: user.twoFactor ? await twoFactor.recoveryCodesLeft(user.id) : 0,
    };
  };
  r.get('/account/two-factor', showForm('accounts/two-factor', twoFactorPage));

  // The recovery codes are shown on the answer to this POST and never again (only their hashes are kept).
  const showCodes = (res: Response, codes: string[], replaced: boolean) =>
    res.render('accounts/recovery-codes', { title: 'Your recovery codes', codes, replaced });

  r.post(
    '/account/two-factor',
    ...handleForm({
      view: 'accounts/two-factor',
      page: twoFactorPage,
      schema: codeSchema,
      run: async ({ code }, req, res) => {
        const { user } = auth(req);
        const codes = await twoFactor.confirm(user, code, who(req));
        // A second factor is a change of privilege like a role: the session id changes with it.
        await signIn(req, { ...user, twoFactor: true }, { keepSignedInAt: true });
        showCodes(res, codes, false);
      },
    }),
  );

  r.post(
    '/account/two-factor/recovery-codes',
    ...handleForm({
      view: 'accounts/two-factor',
      page: twoFactorPage,
      schema: codeSchema,
      run: async ({ code }, req, res) => {
        showCodes(res, await twoFactor.newRecoveryCodes(auth(req).user, code, who(req)), true);
      },
    }),
  );

  r.post(
    '/account/two-factor/disable',
    ...handleForm({
      view: 'accounts/two-factor',
      page: twoFactorPage,
      schema: disableTwoFactorSchema,
      run: async (input, req) => {
        await twoFactor.disable(auth(req).user, input, who(req));
        return '/account?twoFactorOff=1';
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
