import crypto from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Db } from '../../platform/db';
import { AppError, invalid } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import { PgRateLimitStore } from '../../platform/pgRateLimitStore';
import type { AccountsService } from './accounts.service';
import { codeSchema, loginSchema, setupSchema } from './accounts.schemas';
import { holdForCode, signIn, signOut } from './signin';
import type { TwoFactorService } from './twoFactor';
import { OIDC_CALLBACK_PATH, type OidcClient } from './oidc';
import type { SsoService } from './sso.service';
import { who } from '../audit';

// Only same-site paths: a `next` taken from the URL must never send someone to another site.
const safeNext = (value: unknown) =>
  typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')
    ? value
    : '/';

const LOGIN_WINDOW_MINUTES = 15;

/**
 * Sign-in throttling (OWASP ASVS 6.3: slow guessing without letting an attacker lock the owner out). Failures
 * are counted in PostgreSQL, so every instance shares them, over 15 minutes:
 * - per address: 20 — one address guessing many accounts;
 * - per account: 10 — many addresses guessing one account;
 * - per known browser: 10 — see below.
 * A browser that signed in to an account before carries a signed "device" cookie for it. With it, the address
 * and account limits do not apply (only its own), so an attacker who exhausts an account's budget from
 * elsewhere never locks its owner out of the browsers they use; a new browser waits out the window.
 */
function loginThrottle(db: Db, secretKey: string, secure: boolean) {
  const DEVICE_COOKIE = 'rapport.device';
  const emailOf = (req: Request) =>
    String(req.body?.email ?? '')
      .trim()
      .toLowerCase()
      .slice(0, 254);
  const sign = (email: string, nonce: string) =>
    crypto.createHmac('sha256', secretKey).update(`device:${email}:${nonce}`).digest('base64url');
  /** The nonce of this browser's device cookie, when it is valid for the account being signed in to. */
  const knownDevice = (req: Request): string | undefined => {
    const [nonce, mac] = String(req.cookies?.[DEVICE_COOKIE] ?? '').split('.');
    if (!nonce || !mac || !/^[\w-]{22}$/.test(nonce)) return undefined;
    const expected = Buffer.from(sign(emailOf(req), nonce));
    const given = Buffer.from(mac);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? nonce : undefined;
  };
  const refuse = (message: string) => (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Retry-After', String(LOGIN_WINDOW_MINUTES * 60));
    next(new AppError(429, 'rate_limited', message));
  };
  const limiter = (prefix: string, limit: number, message: string, o: Partial<Parameters<typeof rateLimit>[0]>) =>
    rateLimit({
      windowMs: LOGIN_WINDOW_MINUTES * 60_000,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      skipSuccessfulRequests: true,
      store: new PgRateLimitStore(db, prefix),
      handler: refuse(message),
      ...o,
    });
  const wait = `Wait ${LOGIN_WINDOW_MINUTES} minutes and try again.`;
  const perAddress = limiter('login-ip:', 20, `Too many sign-in attempts from here. ${wait}`, {
    skip: (req) => !!knownDevice(req),
  });
  const perAccount = limiter(
    'login-account:',
    10,
    `Too many failed sign-ins to this account. Sign in from a browser you have used with Rapport before, or ${wait.toLowerCase()}`,
    { skip: (req) => !!knownDevice(req), keyGenerator: (req) => emailOf(req) || '-' },
  );
  // The second factor: 5 wrong codes per account in 15 minutes (a million codes, one step of drift: guessing
  // would take years at this pace). Keyed by the person the password step named, so a new session does not reset it.
  const perSecondFactor = limiter('login-2fa:', 5, `Too many wrong codes. ${wait}`, {
    keyGenerator: (req) => req.session.pending?.userId ?? '-',
  });
  const perDevice = limiter('login-device:', 10, `Too many failed sign-ins from this browser. ${wait}`, {
    skip: (req) => !knownDevice(req),
    keyGenerator: (req) => knownDevice(req)!,
  });

  return {
    check: [perDevice, perAddress, perAccount],
    checkCode: [perSecondFactor],
    /** After a successful sign-in: this browser is now known for this account (for 180 days). */
    remember(req: Request, res: Response, email: string) {
      const nonce = knownDevice(req) ?? crypto.randomBytes(16).toString('base64url');
      res.cookie(DEVICE_COOKIE, `${nonce}.${sign(email, nonce)}`, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        maxAge: 180 * 24 * 3600 * 1000,
        path: '/login',
      });
    },
  };
}

/** How long the password step counts for: the code must follow within this. */
const PENDING_MS = 10 * 60_000;

export function accountsRoutes(
  accounts: AccountsService,
  deps: {
    db: Db;
    secretKey: string;
    secure: boolean;
    twoFactor: TwoFactorService;
    /** Single sign-on, when configured (oidc.ts, sso.service.ts). */
    sso?: { client: OidcClient; service: SsoService };
  },
) {
  const r = Router();
  const { twoFactor, sso } = deps;
  const throttle = loginThrottle(deps.db, deps.secretKey, deps.secure);

  /** The person who gave the right password and owes a code, while the password step still counts. */
  const pendingOf = (req: Request) => {
    const pending = req.session.pending;
    return pending && Date.now() - pending.at < PENDING_MS ? pending : undefined;
  };

  r.get('/', async (req, res) => {
    if (await accounts.needsSetup()) return res.redirect(303, '/setup');
    res.redirect(303, req.auth ? '/surveys' : '/login');
  });

  r.get('/setup', async (_req, res) => {
    if (!(await accounts.needsSetup())) return res.redirect(303, '/login');
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
    res.render('accounts/login', {
      title: 'Sign in',
      reset: req.query.reset === '1',
      values: { next: safeNext(req.query.next) },
      errors: {},
    });
  });

  r.post(
    '/login',
    ...handleForm({
      view: 'accounts/login',
      before: throttle.check,
      schema: loginSchema,
      run: async ({ email, password, next }, req, res) => {
        const user = await accounts.login(email, password, who(req));
        if (await twoFactor.isEnabled(user.id)) {
          // Not signed in yet: a new session holds only who owes a code (no userId, so no page opens for it).
          await holdForCode(req, { userId: user.id, workspaceId: user.workspaceId, email, next: safeNext(next) });
          return '/login/code';
        }
        await signIn(req, user);
        throttle.remember(req, res, email);
        await accounts.signedIn(user, who(req), 'password');
        return safeNext(next);
      },
    }),
  );

  r.get('/login/code', (req, res) => {
    if (!pendingOf(req)) return res.redirect(303, '/login');
    res.render('accounts/login-code', { title: 'Two-factor sign-in', values: {}, errors: {} });
  });

  r.post(
    '/login/code',
    ...handleForm({
      view: 'accounts/login-code',
      before: throttle.checkCode,
      schema: codeSchema,
      run: async ({ code }, req, res) => {
        const pending = pendingOf(req);
        if (!pending) return '/login';
        const method = await twoFactor.verify(pending.userId, code);
        const user = method && (await accounts.findUser(pending.workspaceId, pending.userId));
        if (!method || !user) {
          await accounts.secondFactorFailed(pending.userId, pending.email, who(req));
          throw invalid('That code did not work.', {
            code: 'That code does not match, or was used already. Enter the 6 digits your app shows now, or a recovery code.',
          });
        }
        await signIn(req, user);
        // The browser is known for the account only after a password (it is the password throttle's exemption).
        if (!pending.via) throttle.remember(req, res, pending.email);
        await accounts.signedIn(user, who(req), pending.via ? `${pending.via}+${method}` : method);
        return pending.next;
      },
    }),
  );

  if (sso) {
    // Leaving for the provider: a GET (a link), as login CSRF is what `state` bound to this session prevents.
    r.get('/login/oidc', async (req, res) => {
      const { url, pending } = await sso.client.start(safeNext(req.query.next));
      req.session.oidc = pending;
      await new Promise<void>((resolve, reject) => req.session.save((e) => (e ? reject(e) : resolve())));
      res.redirect(303, url);
    });

    r.get(OIDC_CALLBACK_PATH, async (req, res) => {
      // Spent at first use, whatever happens next: a callback replayed in this browser finds nothing to match.
      const pending = req.session.oidc;
      delete req.session.oidc;
      try {
        if (!pending || Date.now() - pending.at > PENDING_MS)
          throw new AppError(
            400,
            'sso_expired',
            `This sign-in with ${sso.client.name} was not started in this browser, or took too long. Start again from the sign-in page.`,
          );
        const query = req.originalUrl.slice(req.path.length);
        const identity = await sso.client.finish(query, pending);
        const user = await sso.service.signIn(identity, sso.client.name, who(req));
        // Two-factor is Rapport's own: a person who turned it on still gives their code (README).
        if (await twoFactor.isEnabled(user.id)) {
          await holdForCode(req, {
            userId: user.id,
            workspaceId: user.workspaceId,
            email: user.email,
            next: pending.next,
            via: 'oidc',
          });
          return res.redirect(303, '/login/code');
        }
        await signIn(req, user);
        await accounts.signedIn(user, who(req), 'oidc');
        res.redirect(303, pending.next);
      } catch (err) {
        const reason = (err as { reason?: string; code?: string }).reason ?? (err as AppError).code;
        req.log?.warn({ reason, method: 'oidc' }, 'single sign-on refused');
        // Nobody is signed in by a refused callback: a signed-out browser keeps no session at all.
        if (!req.session.userId) await signOut(req);
        throw err;
      }
    });
  }

  r.post(
    '/logout',
    ...handleForm({
      run: async (_input, req, res) => {
        await signOut(req);
        res.clearCookie('rapport.sid');
        return '/login';
      },
    }),
  );

  return r;
}
