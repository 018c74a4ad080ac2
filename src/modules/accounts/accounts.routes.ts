import { Router, type Request } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import type { AccountsService } from './accounts.service';
import { loginSchema, setupSchema } from './accounts.schemas';
import type { User } from './accounts.repository';

// Only same-site paths: a `next` taken from the URL must never send someone to another site.
const safeNext = (value: unknown) =>
  typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')
    ? value
    : '/';

/** A signed-out visitor's session is stored only once they are shown a form, whose CSRF token is bound to it. */
const keepSession = (req: Request) => {
  req.session.formShown = true;
};

/** A new session id at sign-in, so an id planted before login is worth nothing after it. */
const signIn = (req: Request, user: User) =>
  new Promise<void>((resolve, reject) =>
    req.session.regenerate((err) => {
      if (err) return reject(err);
      req.session.userId = user.id;
      req.session.workspaceId = user.workspaceId;
      req.session.save((e) => (e ? reject(e) : resolve()));
    }),
  );

const LOGIN_WINDOW_MINUTES = 15;

export function accountsRoutes(accounts: AccountsService) {
  const r = Router();

  // Slows password guessing from one address. Counted per instance: behind N instances an attacker gets
  // N× the budget, still far too little to guess an argon2id-protected password of 10+ characters.
  const guessLimit = rateLimit({
    windowMs: LOGIN_WINDOW_MINUTES * 60_000,
    limit: 20,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    handler: (_req, res, next) => {
      res.setHeader('Retry-After', String(LOGIN_WINDOW_MINUTES * 60));
      next(
        new AppError(
          429,
          'rate_limited',
          `Too many sign-in attempts from here. Wait ${LOGIN_WINDOW_MINUTES} minutes and try again.`,
        ),
      );
    },
  });

  r.get('/', async (req, res) => {
    if (await accounts.needsSetup()) return res.redirect(303, '/setup');
    res.redirect(303, req.auth ? '/surveys' : '/login');
  });

  r.get('/setup', async (req, res) => {
    if (!(await accounts.needsSetup())) return res.redirect(303, '/login');
    keepSession(req);
    res.render('accounts/setup', { title: 'Set up Rapport', values: {}, errors: {} });
  });

  r.post(
    '/setup',
    ...handleForm({
      view: 'accounts/setup',
      schema: setupSchema,
      run: async (input, req) => {
        await signIn(req, await accounts.setup(input));
        return '/surveys';
      },
    }),
  );

  r.get('/login', async (req, res) => {
    if (await accounts.needsSetup()) return res.redirect(303, '/setup');
    keepSession(req);
    res.render('accounts/login', { title: 'Sign in', values: { next: safeNext(req.query.next) }, errors: {} });
  });

  r.post(
    '/login',
    ...handleForm({
      view: 'accounts/login',
      before: [guessLimit],
      schema: loginSchema,
      run: async ({ email, password, next }, req) => {
        await signIn(req, await accounts.login(email, password));
        return safeNext(next);
      },
    }),
  );

  r.post(
    '/logout',
    ...handleForm({
      run: async (_input, req, res) => {
        await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
        res.clearCookie('rapport.sid');
        return '/login';
      },
    }),
  );

  return r;
}
