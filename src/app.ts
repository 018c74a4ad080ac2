import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import proxyaddr from 'proxy-addr';
import cookieParser from 'cookie-parser';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import { doubleCsrf } from 'csrf-csrf';
import type pg from 'pg';
import { DEFAULT_CONFIG, type Config } from './config';
import type { Clock } from './platform/clock';
import type { Db } from './platform/db';
import { databaseAnswers, isDatabaseUnavailable } from './platform/dbErrors';
import type { Logger } from './platform/logger';
import { metricsRoute, type Metrics } from './platform/metrics';
import { requestLogger } from './platform/requestLog';
import { securityHeaders } from './platform/securityHeaders';
import { isWrite, type ReadRouting } from './platform/replica';
import { AppError, forbidden, notFound } from './platform/errors';
import { REDRAWN_STATUSES, type RefusedForm } from './platform/forms';
import { wantsJson } from './platform/http';
import type { Translate } from './platform/i18n';
import { cleanQueryParser, textBody } from './platform/text';
import { PUBLIC_DIR, ROOT, VIEWS_DIR } from './platform/paths';
import type { Sealer } from './platform/tokens';
import {
  accountRoutes,
  accountsRoutes,
  accountsService,
  authorize,
  loadUser,
  LOGO_MAX_BYTES,
  oidcClient,
  ssoService,
  logoPath,
  logoRoute,
  passwordService,
  requireTwoFactor,
  requireUser,
  selfServiceRoutes,
  sessionsRepository,
  signupRoutes,
  teamRoutes,
  teamService,
  twoFactorService,
  workspacesRoutes,
} from './modules/accounts';
import { auditLog, auditor, auditRoutes } from './modules/audit';
import { brandCss, brandPalette } from './platform/brand';
import { uploadForm } from './platform/upload';
import { surveysHandOver, surveysRoutes, surveysService } from './modules/surveys';
import { contactsHandOver, contactsRoutes, contactsService } from './modules/contacts';
import { schedulesErasure, schedulesRoutes, schedulesService, wavesRoutes, wavesService } from './modules/schedules';
import {
  renderPreview,
  responsesErasure,
  responsesHistory,
  responsesRoutes,
  responsesService,
} from './modules/responses';
import { exporter, insightsRoutes, insightsService } from './modules/insights';
import { mailboxErasure, mailboxRoutes } from './modules/mailbox';
import { digestRepository, digestRoutes } from './modules/digest';
import {
  followupsErasure,
  followupsHandOver,
  followupsRoutes,
  followupsService,
  inboxSettingRoutes,
  inboxSettings,
  inboxCount,
} from './modules/followups';
import { retentionRoutes, retentionService } from './modules/retention';
import { webhooksErasure, webhooksRoutes, webhooksService } from './modules/webhooks';
import { apiKeysRoutes, apiKeysService, apiRoutes, delightedRoutes, delightedSurvey } from './modules/api';
import { inboundErasure, inboundRoutes, inboundService, replyAddresses } from './modules/inbound';

export type AppDeps = {
  /** Whatever is not given is at its default (config.ts). */
  config: Pick<Config, 'publicUrl' | 'trustProxy'> &
    Partial<
      Pick<
        Config,
        | 'respondRateLimit'
        | 'publicSubmitLimit'
        | 'viewCache'
        | 'importMaxBytes'
        | 'webhooksAllowPrivate'
        | 'apiRateLimit'
        | 'sessionIdleMs'
        | 'sessionAbsoluteMs'
        | 'oidc'
      >
    >;
  db: Db;
  /** The dashboards' own pool (insights/readers.ts); defaults to `db`. */
  readers?: Db;
  /** With DATABASE_REPLICA_URL: `readers` answers from the replica when safe (platform/replica.ts). */
  readRouting?: ReadRouting;
  /** A plain pg pool for the session store (connect-pg-simple speaks pg, not Sequelize). */
  sessionPool: pg.Pool;
  log: Logger;
  secretKey: string;
  sealer: Sealer;
  /** True when the built-in mailbox captures mail (no SMTP_URL). */
  mailboxEnabled: boolean;
  /** Tells the delivery worker in this process that the outbox has new work. */
  onQueued: () => void;
  /**
   * Customers' answers coming back (inbound/README.md): the reply addresses' domain, and with the built-in
   * mailbox the listener's smtp:// URL, where "Reply as the customer" sends.
   */
  inbound?: { domain?: string; listenerUrl?: string };
  /** Request timing when metrics are on; `metricsToken` also serves GET /metrics on this app's port. */
  metrics?: Metrics;
  metricsToken?: string;
  /**
   * Whether this process can still work at all (e.g. its embedded PostgreSQL is running, or being restarted):
   * /healthz reports it, so a supervisor restarts a process that cannot recover by itself.
   */
  health?: () => { ok: boolean; reason?: string };
  /** What pages reckon time-dependent figures from (the inbox's overdue flags and waits); else the database clock. */
  clock?: Clock;
};

/** Express's own entry point for a request (what the app function calls). */
type Handle = (req: IncomingMessage, res: ServerResponse, done?: (err?: unknown) => void) => void;

/** /readyz answers within this, whatever the database does (a load balancer's check times out at ~2 s). */
const READY_TIMEOUT_MS = 1000;

export function buildApp(deps: AppDeps) {
  const { db, log } = deps;
  const readers = deps.readers ?? db;
  const config = { ...DEFAULT_CONFIG, ...deps.config };
  const secure = config.publicUrl.startsWith('https:');
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // Query strings are cleaned of control characters as they are parsed, like every body (platform/text.ts).
  app.set('query parser', cleanQueryParser);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // Express caches compiled templates only when NODE_ENV=production; an operator who forgets it should not
  // pay a recompile on every respondent's page. `npm run dev` (NODE_ENV=development) sees edits live.
  app.set('view cache', config.viewCache);
  // An include written from the root ('/respond/_head') is found without a disk check on every render.
  app.set('view options', { root: VIEWS_DIR });
  // Every page's brand (team and respondent): a <style> of computed #rrggbb values, and the logo's URL. The views
  // print brandStyle unescaped (<%- %>): nothing typed reaches it, since brandPalette keeps only a colour matching
  // ^#[0-9a-f]{6}$ (else the default) and emits only colours it computed; the column has the same CHECK.
  app.locals.brandStyle = (color: string | null | undefined) => brandCss(brandPalette(color));
  app.locals.logoPath = logoPath;

  const accounts = accountsService(db);
  const sessions = sessionsRepository(db, config.sessionIdleMs);
  const team = teamService(db, {
    sealer: deps.sealer,
    sessions,
    onQueued: deps.onQueued,
    // A teammate who leaves hands over what they own, each module its own rows.
    handOver: [contactsHandOver(db), followupsHandOver(db), surveysHandOver(db)],
  });
  const passwords = passwordService(db, { sealer: deps.sealer, sessions, onQueued: deps.onQueued });
  const twoFactor = twoFactorService(db, { sealer: deps.sealer });
  const surveys = surveysService(db);
  const { importMaxBytes } = config;
  const contacts = contactsService(db, {
    importMaxBytes,
    // A CSV of past answers (a Delighted export) writes them through responses.
    history: responsesHistory(db),
    // Each module erases its own part of a person; followups finds its rows through their answers, so it goes
    // before responses anonymises them.
    erasure: {
      parts: [
        followupsErasure(db),
        inboundErasure(db),
        responsesErasure(db),
        schedulesErasure(db),
        webhooksErasure(db),
      ],
      forgetMessages: mailboxErasure(db),
    },
  });
  const waves = wavesService({ db, sealer: deps.sealer, surveys, onQueued: deps.onQueued });
  const responses = responsesService(db, deps.sealer);
  const followups = followupsService(db, {
    onQueued: deps.onQueued,
    clock: deps.clock,
    beforeReply: replyAddresses(db, deps.sealer).ensure,
  });
  const inbound = inboundService({
    db,
    log,
    inboundDomain: deps.inbound?.domain,
    messageIdDomain: new URL(config.publicUrl).hostname || 'rapport.localhost',
    onQueued: deps.onQueued,
  });
  const webhooks = webhooksService(db, {
    sealer: deps.sealer,
    policy: { allowPrivate: config.webhooksAllowPrivate },
    onQueued: deps.onQueued,
  });
  const apiKeys = apiKeysService(db);

  // What every request gets first: a log line with an id, its timing, and the security headers (helmet's,
  // worked out once: platform/securityHeaders.ts).
  const security = securityHeaders({
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
  });
  const edge = [requestLogger(log), ...(deps.metrics ? [deps.metrics.timing] : []), security.setAll];

  // Respondents first, ahead of everything they do not use (static files, health checks, the API, sessions,
  // CSRF, the team's body parser): theirs is the busiest request. The router applies the edge itself to /r/*
  // (see responses.routes.ts) and answers every path under /r/, so none of them reaches what follows.
  const respond = responsesRoutes(responses, {
    db,
    limits: {
      perMinute: config.respondRateLimit,
      publicSubmitsPer10Min: config.publicSubmitLimit,
    },
    edge: {
      handlers: edge,
      page: { log, securityHeaders: security.block, timing: deps.metrics?.timing },
    },
    viewCache: config.viewCache,
    appLocals: app.locals,
    clientIp: (req) => proxyaddr(req, app.get('trust proxy fn')),
  });
  app.use(respond.router);
  // The link's page goes in front of Express itself (responses/respondPage.ts): Express calls app.handle for
  // every request, so the page takes its own first and gives Express the rest, and anything it hands back.
  const expressHandle = (app as unknown as { handle: Handle }).handle.bind(app);
  (app as unknown as { handle: Handle }).handle = (req, res, done) => {
    if (!respond.page(req, res, () => expressHandle(req, res, done))) expressHandle(req, res, done);
  };

  app.use(...edge);
  if (deps.metrics && deps.metricsToken) app.get('/metrics', metricsRoute(deps.metrics, deps.metricsToken));

  app.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));
  // Chart.js from our own node_modules: no CDN, no third-party request from a dashboard.
  app.use(
    '/vendor/chart.js',
    express.static(path.join(ROOT, 'node_modules/chart.js/dist/chart.umd.min.js'), { maxAge: '1d' }),
  );

  // The workspace's logo: public (respondents' pages and emails show it), before sessions.
  app.use(logoRoute(db));

  app.get('/healthz', (_req, res) => {
    const health = deps.health?.() ?? { ok: true };
    res.set('Cache-Control', 'no-store');
    if (health.ok) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unhealthy', reason: health.reason });
  });
  app.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (await databaseAnswers(() => db.query('SELECT 1 AS ok'), READY_TIMEOUT_MS)) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'database unavailable' });
  });

  // Team pages show personal data and carry form tokens: never kept by a browser or a proxy.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  // The API authenticates by key, never by cookie: before sessions and CSRF (see api.routes.ts).
  const api = {
    db,
    log,
    publicUrl: config.publicUrl,
    keys: apiKeys,
    accounts,
    contacts,
    surveys,
    waves,
    insights: insightsService({ db, surveys }),
    answers: responsesHistory(db),
    rateLimit: config.apiRateLimit,
  };
  const routing = deps.readRouting;
  app.use(
    apiRoutes({
      ...api,
      readers,
      insights: insightsService({ db: readers, surveys }),
      // A key has no session to carry its writes: this instance remembers them (platform/replica.ts).
      readRouting: routing && [
        (req, res, next) => {
          if (isWrite(req) && req.apiKey) routing.wrote(`key:${req.apiKey.id}`, res);
          next();
        },
        routing.choose((req) => ({ client: req.apiKey && `key:${req.apiKey.id}` })),
      ],
    }),
  );
  app.use(delightedRoutes(api));
  app.use(textBody({ limit: '100kb' }));
  // The weekly digest's unsubscribe link: before sessions and CSRF, like the respondent's pages (digest.routes.ts).
  app.use(digestRoutes({ digests: digestRepository(db), stopDigest: accounts.stopDigest }));
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
        // Its sweep of expired sessions runs on a timer; a failed sweep is a warning in our log, not console noise.
        errorLog: (...args: unknown[]) => log.warn({ detail: args.map(String).join(' ') }, 'session sweep failed'),
      }),
      resave: false,
      // Only a session that holds something is stored: a signed-out visitor (a crawler, 100 cookie-less
      // GET /login) writes no row. The first row is written at sign-in (or setup).
      saveUninitialized: false,
      rolling: true,
      // The idle timeout: each request pushes the cookie's and the stored row's expiry this far (rolling).
      cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: config.sessionIdleMs },
    }),
  );
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => deps.secretKey,
    // Signed in: the token is bound to the session. Signed out there is no stored session to bind to, so the
    // sign-in and setup forms use the signed double-submit cookie alone (the __Host- prefix, over https,
    // keeps a sibling subdomain from planting it).
    getSessionIdentifier: (req) => (req.session.userId ? req.session.id : 'signed-out'),
    cookieName: secure ? '__Host-rapport.csrf' : 'rapport.csrf',
    cookieOptions: { sameSite: 'lax', secure, path: '/' },
    // Always the body (a file form's too: see uploadForm below) or a header, never the address: a token in a URL
    // ends up in logs, history and Referer headers.
    getCsrfTokenFromRequest: (req) => (req.body?._csrf as string | undefined) ?? req.headers['x-csrf-token'],
    errorConfig: {
      statusCode: 403,
      code: 'csrf',
      message: 'This form has expired. Go back, reload the page and try again.',
    },
  });
  // The two file forms: their fields are read up to the file (the token first), the token is checked, and only
  // then does the route read the file (platform/upload.ts). Exact paths: a sub-path is not a file form.
  const fileForm = (path: string, maxBytes: number) => {
    const read = uploadForm(maxBytes);
    app.use(path, (req, res, next) => (req.path === '/' ? read(req, res, next) : next()));
  };
  fileForm('/contacts/imports', importMaxBytes);
  fileForm('/settings/logo', LOGO_MAX_BYTES);
  app.use(doubleCsrfProtection);
  app.use(loadUser(accounts, { absoluteMs: config.sessionAbsoluteMs }));
  if (routing) {
    // A signed-in person's writes are noted (this instance: the exact WAL position) and stamped on their session
    // (every instance: the time), so the page after "Save" is never read from a replica that has not replayed it.
    app.use((req, res, next) => {
      if (isWrite(req) && req.session.userId) {
        req.session.wroteAt = Date.now();
        routing.wrote(`session:${req.session.id}`, res);
      }
      next();
    });
    app.use(routing.choose((req) => ({ client: `session:${req.session.id}`, wroteAt: req.session.wroteAt })));
  }
  app.use((req, res, next) => {
    res.locals.csrfToken = generateCsrfToken(req, res);
    res.locals.user ??= undefined;
    res.locals.workspace ??= undefined;
    res.locals.can ??= () => false;
    res.locals.mailboxEnabled = deps.mailboxEnabled;
    res.locals.path = req.path;
    next();
  });

  const sso = config.oidc && { client: oidcClient(config.oidc, config.publicUrl), service: ssoService(db) };
  if (sso) app.locals.ssoName = sso.client.name;
  app.use(accountsRoutes(accounts, { db, secretKey: deps.secretKey, secure, twoFactor, sso }));
  app.use(selfServiceRoutes({ db, passwords, team }));
  app.use(signupRoutes(accounts, { enabled: config.signupEnabled }));
  app.use(requireUser);
  // Roles are enforced here, for every signed-in route, from one table (accounts/policy.ts).
  app.use(authorize);
  // A workspace that requires two-factor: members without it enrol before anything else.
  app.use(requireTwoFactor);
  app.use(inboxCount(followups));
  app.use(teamRoutes(accounts, team, db));
  app.use(accountRoutes({ passwords, sessions, twoFactor }));
  app.use(workspacesRoutes(accounts));
  app.use(retentionRoutes(retentionService(db)));
  app.use(auditRoutes({ log: auditLog(db), setRetentionDays: accounts.setAuditRetention }));
  app.use(webhooksRoutes(webhooks));
  app.use(apiKeysRoutes(apiKeys, delightedSurvey(db, surveys)));
  app.use(surveysRoutes(surveys, renderPreview));
  app.use(
    insightsRoutes({
      db: readers,
      insights: insightsService({ db: readers, surveys }),
      exporter: exporter(readers, log, { statementTimeoutMs: config.insightsExportTimeoutSeconds * 1000 }),
      surveys,
      waves,
      segments: contacts.segments.names,
      publicUrl: config.publicUrl,
      publicLinkOf: responses.publicLinkToken,
      audit: auditor(db),
    }),
  );
  app.use(contactsRoutes(contacts, { importMaxBytes }));
  app.use(wavesRoutes(waves, surveys));
  // Before the conversation routes: '/inbox/unmatched' is not an answer's id.
  app.use(inboundRoutes(inbound));
  app.use(followupsRoutes(followups, surveys, inboxSettings(db), db));
  app.use(inboxSettingRoutes(db));
  app.use(
    schedulesRoutes({
      schedules: schedulesService({ db, surveys, segments: contacts.segments.names }),
      surveys,
      waves,
    }),
  );
  const listenerUrl = deps.inbound?.listenerUrl;
  if (deps.mailboxEnabled)
    app.use(
      mailboxRoutes(
        db,
        listenerUrl && deps.inbound?.domain
          ? { url: listenerUrl, domain: deps.inbound.domain, conversationOf: inbound.conversationOf }
          : undefined,
      ),
    );

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
    const respondent = req.path.startsWith('/r/');
    // A respondent whose answer could not be saved hears it in their language, and gets it back to send again.
    const unsaved = respondent && err.code === 'unavailable';
    const messageOf = () => {
      const t = res.locals.t as Translate | undefined;
      return unsaved && t ? t('notSavedBody') : err.message;
    };
    const form = res.locals.form as RefusedForm | undefined;
    // A refused form comes back as the same form, with the person's values and what to fix (see handleForm).
    if (form && (REDRAWN_STATUSES.has(err.status) || unsaved) && !wantsJson(req)) {
      let page: Record<string, unknown>;
      req.params = form.params;
      try {
        page = (await form.page?.(req, res)) ?? {};
      } catch (pageErr) {
        // The database went away before we even knew the survey: the answer still goes back, as it was sent.
        if (unsaved && req.method === 'POST') {
          res.status(503);
          safeRender(res, 'respond/unavailable', { fields: hiddenFields(req.body), action: req.originalUrl });
          return;
        }
        // The page itself cannot be drawn (its record is gone): that error is the answer.
        res.locals.form = undefined;
        return errorHandler(log)(pageErr as HttpishError, req, res, _next);
      }
      res.status(err.status);
      safeRender(res, form.view, {
        title: res.locals.title,
        ...page,
        values: req.body ?? {},
        errors: { ...err.fields, _form: messageOf() },
        retry: err.status === 503,
      });
      return;
    }
    res.status(err.status);
    if (wantsJson(req)) {
      res.json({ error: { code: err.code, message: messageOf(), fields: err.fields } });
      return;
    }
    safeRender(res, respondent ? 'respond/error' : 'error', {
      title: err.status === 404 ? 'Not found' : 'Something went wrong',
      error: err,
    });
  };
}

/** The error page itself failing must not end in Express's default page (a stack trace): plain words instead. */
function safeRender(res: Response, view: string, locals: object) {
  res.render(view, locals, (err: Error | null, html?: string) => {
    if (!err) return void res.send(html);
    res
      .status(res.statusCode >= 400 ? res.statusCode : 500)
      .type('text/plain')
      .send('Something went wrong. Please try again.');
  });
}

/** A form body as name/value pairs, repeated names kept, to be sent again exactly as it came. */
function hiddenFields(body: unknown): [string, string][] {
  if (!body || typeof body !== 'object') return [];
  return Object.entries(body as Record<string, unknown>).flatMap(([name, v]) =>
    (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string').map((x): [string, string] => [name, x]),
  );
}

function toAppError(err: HttpishError): AppError {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err))
    return new AppError(
      503,
      'unavailable',
      'We cannot reach our database just now, so nothing was saved. Try again in a moment.',
    );
  if (err.code === 'csrf' || err.code === 'EBADCSRFTOKEN') return forbidden(err.message);
  // A dashboard statement cancelled by its pool's timeout (insights/readers.ts).
  if ((err as { parent?: { code?: string } }).parent?.code === '57014')
    return new AppError(
      503,
      'too_slow',
      'This view took too long to work out. Try a shorter date range or a narrower filter, or again in a moment.',
    );
  // body-parser's errors carry a status and a type we can explain.
  if (err.type === 'entity.too.large')
    return new AppError(413, 'too_large', 'That was more than we accept in one go. Shorten it and try again.');
  const status = err.status ?? err.statusCode;
  if (status && status >= 400 && status < 500)
    return new AppError(status, 'bad_request', 'We could not read that request. Reload the page and try again.');
  return new AppError(500, 'internal', 'Something broke on our side. Your data is safe; please try again in a moment.');
}
