import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import { doubleCsrf } from 'csrf-csrf';
import type pg from 'pg';
import { DEFAULT_CONFIG, type Config } from './config';
import type { Db } from './platform/db';
import type { Logger } from './platform/logger';
import { metricsRoute, type Metrics } from './platform/metrics';
import { requestLogger } from './platform/requestLog';
import { AppError, forbidden, notFound } from './platform/errors';
import { REDRAWN_STATUSES, type RefusedForm } from './platform/forms';
import { wantsJson } from './platform/http';
import { PUBLIC_DIR, ROOT, VIEWS_DIR } from './platform/paths';
import type { Sealer } from './platform/tokens';
import { accountsRoutes, accountsService, loadUser, requireUser, teamRoutes } from './modules/accounts';
import { surveysRoutes, surveysService } from './modules/surveys';
import { contactsRoutes, contactsService } from './modules/contacts';
import { schedulesErasure, schedulesRoutes, schedulesService, wavesRoutes, wavesService } from './modules/schedules';
import { renderPreview, responsesErasure, responsesRoutes, responsesService } from './modules/responses';
import { insightsRoutes } from './modules/insights';
import { mailboxErasure, mailboxRoutes } from './modules/mailbox';
import { followupsErasure, followupsRoutes, followupsService, inboxCount } from './modules/followups';

export type AppDeps = {
  /** Whatever is not given is at its default (config.ts). */
  config: Pick<Config, 'publicUrl' | 'trustProxy'> &
    Partial<Pick<Config, 'respondRateLimit' | 'publicSubmitLimit' | 'viewCache' | 'importMaxBytes'>>;
  db: Db;
  /** A plain pg pool for the session store (connect-pg-simple speaks pg, not Sequelize). */
  sessionPool: pg.Pool;
  log: Logger;
  secretKey: string;
  sealer: Sealer;
  /** True when the built-in mailbox captures mail (no SMTP_URL). */
  mailboxEnabled: boolean;
  /** Tells the delivery worker in this process that the outbox has new work. */
  onQueued: () => void;
  /** Request timing when metrics are on; `metricsToken` also serves GET /metrics on this app's port. */
  metrics?: Metrics;
  metricsToken?: string;
};

export function buildApp(deps: AppDeps) {
  const { db, log } = deps;
  const config = { ...DEFAULT_CONFIG, ...deps.config };
  const secure = config.publicUrl.startsWith('https:');
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // Express caches compiled templates only when NODE_ENV=production; an operator who forgets it should not
  // pay a recompile on every respondent's page. `npm run dev` (NODE_ENV=development) sees edits live.
  app.set('view cache', config.viewCache);
  // An include written from the root ('/respond/_head') is found without a disk check on every render.
  app.set('view options', { root: VIEWS_DIR });

  const accounts = accountsService(db);
  const surveys = surveysService(db);
  const { importMaxBytes } = config;
  const contacts = contactsService(db, {
    importMaxBytes,
    // Each module erases its own part of a person; followups finds its rows through their answers, so it goes
    // before responses anonymises them.
    erasure: {
      parts: [followupsErasure(db), responsesErasure(db), schedulesErasure(db)],
      forgetMessages: mailboxErasure(db),
    },
  });
  const waves = wavesService({ db, sealer: deps.sealer, surveys, onQueued: deps.onQueued });
  const responses = responsesService(db, deps.sealer);
  const followups = followupsService(db, { onQueued: deps.onQueued });

  app.use(requestLogger(log));
  if (deps.metrics) app.use(deps.metrics.timing);
  if (deps.metrics && deps.metricsToken) app.get('/metrics', metricsRoute(deps.metrics, deps.metricsToken));

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // The mailbox shows captured emails in a sandboxed srcdoc frame; nothing else is framed.
          'frame-src': ["'self'"],
          'upgrade-insecure-requests': secure ? [] : null,
        },
      },
      // Response links carry a token: never let it leak to another site through Referer.
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: secure,
    }),
  );

  app.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));
  // Chart.js from our own node_modules: no CDN, no third-party request from a dashboard.
  app.use(
    '/vendor/chart.js',
    express.static(path.join(ROOT, 'node_modules/chart.js/dist/chart.umd.min.js'), { maxAge: '1d' }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await db.query('SELECT 1 AS ok');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });

  // Respondents: before sessions and CSRF on purpose (see responses.routes.ts).
  app.use(
    responsesRoutes(responses, {
      db,
      limits: {
        perMinute: config.respondRateLimit,
        publicSubmitsPer10Min: config.publicSubmitLimit,
      },
    }),
  );

  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(express.json({ limit: '100kb' }));
  app.use(cookieParser());
  const PgStore = connectPgSimple(session);
  app.use(
    session({
      name: 'rapport.sid',
      secret: deps.secretKey,
      store: new PgStore({
        pool: deps.sessionPool,
        tableName: 'session',
        createTableIfMissing: false,
        pruneSessionInterval: 15 * 60,
      }),
      resave: false,
      // Only a session that holds something is stored: a crawler hitting / or a 404 writes no row. The
      // login and setup pages mark theirs (see accounts.routes.ts), so their CSRF binding survives the POST.
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: 14 * 24 * 3600 * 1000 },
    }),
  );
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => deps.secretKey,
    getSessionIdentifier: (req) => req.session.id,
    cookieName: secure ? '__Host-rapport.csrf' : 'rapport.csrf',
    cookieOptions: { sameSite: 'lax', secure, path: '/' },
    // A file upload's body is streamed by its route after this check, so its form carries the token in the URL.
    getCsrfTokenFromRequest: (req) =>
      (req.body?._csrf as string | undefined) ??
      req.headers['x-csrf-token'] ??
      (req.is('multipart/form-data') && typeof req.query._csrf === 'string' ? req.query._csrf : undefined),
    errorConfig: {
      statusCode: 403,
      code: 'csrf',
      message: 'This form has expired. Go back, reload the page and try again.',
    },
  });
  app.use(doubleCsrfProtection);
  app.use(loadUser(accounts));
  app.use((req, res, next) => {
    res.locals.csrfToken = generateCsrfToken(req, res);
    res.locals.user ??= undefined;
    res.locals.workspace ??= undefined;
    res.locals.mailboxEnabled = deps.mailboxEnabled;
    res.locals.path = req.path;
    next();
  });

  app.use(accountsRoutes(accounts));
  app.use(requireUser);
  app.use(inboxCount(followups));
  app.use(teamRoutes(accounts));
  app.use(surveysRoutes(surveys, renderPreview));
  app.use(insightsRoutes({ db, surveys, waves, publicUrl: config.publicUrl, publicLinkOf: responses.publicLinkToken }));
  app.use(contactsRoutes(contacts, { importMaxBytes }));
  app.use(wavesRoutes(waves));
  app.use(followupsRoutes(followups, surveys));
  app.use(
    schedulesRoutes({
      schedules: schedulesService({ db, surveys, segments: contacts.segments.names }),
      surveys,
      waves,
    }),
  );
  if (deps.mailboxEnabled) app.use(mailboxRoutes(db));

  app.use((_req, _res, next) => next(notFound()));
  app.use(errorHandler(log));
  return app;
}

type HttpishError = Error & { status?: number; statusCode?: number; type?: string; code?: string };

/** The one error handler: known errors become a page or JSON a person can act on; the rest are 500s. */
function errorHandler(log: Logger) {
  return async (raw: HttpishError, req: Request, res: Response, _next: NextFunction): Promise<void> => {
    const err = toAppError(raw);
    // req.log carries the request id and the redacted URL (requestLog.ts).
    if (err.status >= 500) (req.log ?? log).error({ err: raw }, 'request failed');
    if (res.headersSent) return;
    const form = res.locals.form as RefusedForm | undefined;
    // A refused form comes back as the same form, with the person's values and what to fix (see handleForm).
    if (form && REDRAWN_STATUSES.has(err.status) && !wantsJson(req)) {
      let page: Record<string, unknown>;
      req.params = form.params;
      try {
        page = (await form.page?.(req, res)) ?? {};
      } catch (pageErr) {
        // The page itself cannot be drawn (its record is gone): that error is the answer.
        res.locals.form = undefined;
        return errorHandler(log)(pageErr as HttpishError, req, res, _next);
      }
      res.status(err.status).render(form.view, {
        title: res.locals.title,
        ...page,
        values: req.body ?? {},
        errors: { ...err.fields, _form: err.message },
      });
      return;
    }
    res.status(err.status);
    if (wantsJson(req)) {
      res.json({ error: { code: err.code, message: err.message, fields: err.fields } });
      return;
    }
    const respondent = req.path.startsWith('/r/');
    res.render(respondent ? 'respond/error' : 'error', {
      title: err.status === 404 ? 'Not found' : 'Something went wrong',
      error: err,
    });
  };
}

function toAppError(err: HttpishError): AppError {
  if (err instanceof AppError) return err;
  if (err.code === 'csrf' || err.code === 'EBADCSRFTOKEN') return forbidden(err.message);
  // body-parser's errors carry a status and a type we can explain.
  if (err.type === 'entity.too.large')
    return new AppError(413, 'too_large', 'That was more than we accept in one go. Shorten it and try again.');
  const status = err.status ?? err.statusCode;
  if (status && status >= 400 && status < 500)
    return new AppError(status, 'bad_request', 'We could not read that request. Reload the page and try again.');
  return new AppError(500, 'internal', 'Something broke on our side. Your data is safe; please try again in a moment.');
}
