import { Router } from 'express';
import { handleForm, showForm } from '../../platform/forms';
import { notFound } from '../../platform/errors';
import { who } from '../audit';
import type { AccountsService } from './accounts.service';
import { newWorkspaceSchema, setupSchema, switchSchema } from './accounts.schemas';
import { auth } from './auth.middleware';
import { signIn } from './signin';

/** Self-service sign-up, when the install allows it (SIGNUP_ENABLED): before requireUser. */
export function signupRoutes(accounts: AccountsService, o: { enabled: boolean }) {
  const r = Router();
  // Off (the default for self-hosters): the page does not exist.
  const open = () => {
    if (!o.enabled) throw notFound();
  };
  r.get('/signup', (_req, res) => {
    open();
    res.render('accounts/signup', { title: 'Create your workspace', values: {}, errors: {} });
  });
  r.post(
    '/signup',
    ...handleForm({
      view: 'accounts/signup',
      page: () => ({ title: 'Create your workspace' }),
      before: [(_req, _res, next) => next(o.enabled ? undefined : notFound())],
      schema: setupSchema,
      run: async (input, req) => {
        await signIn(req, await accounts.signup(input, who(req)));
        return '/surveys';
      },
    }),
  );
  return r;
}

/** Another workspace, and moving between one's workspaces: a new session id each time (the role changes). */
export function workspacesRoutes(accounts: AccountsService) {
  const r = Router();
  r.get(
    '/workspaces/new',
    showForm('accounts/workspace-new', () => ({ title: 'New workspace' })),
  );
  r.post(
    '/workspaces',
    ...handleForm({
      view: 'accounts/workspace-new',
      page: () => ({ title: 'New workspace' }),
      schema: newWorkspaceSchema,
      run: async (input, req) => {
        await signIn(req, await accounts.createWorkspace(auth(req).user, input, who(req)), { keepSignedInAt: true });
        return '/surveys';
      },
    }),
  );
  r.post(
    '/workspaces/switch',
    ...handleForm({
      schema: switchSchema,
      run: async ({ workspaceId }, req) => {
        await signIn(req, await accounts.switchTo(auth(req).user, workspaceId), { keepSignedInAt: true });
        return '/surveys';
      },
    }),
  );
  return r;
}
