import type { IncomingMessage } from 'node:http';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import type { Db } from '../../platform/db';
import { AppError, notFound } from '../../platform/errors';
import { handleForm } from '../../platform/forms';
import { wantsJson } from '../../platform/http';
import { LOCALES, translator, type Locale } from '../../platform/i18n';
import { PgRateLimitStore } from '../../platform/pgRateLimitStore';
import { textBody } from '../../platform/text';
import { compiledViews, type RenderView } from '../../platform/views';
import { scoreFrom } from './answer.schema';
import { answerLocals, safeBackLink, type AnswerPageOptions, type FormValues } from './presenter';
import { deliveryPage, respondPage, type PageEdge } from './respondPage';
import { respondLimiter } from './respondLimit';
import type { OpenSurveyLink, ResponsesService } from './responses.service';

export type RespondLimits = {
  /** Requests per minute per IP on /r/*, counted in this instance's memory. */
  perMinute: number;
  /** Public-link submissions per IP per 10 minutes, counted in PostgreSQL across all instances. */
  publicSubmitsPer10Min: number;
};

/** The pages this router draws itself, compiled once at start (platform/views.ts). */
const VIEWS = ['respond/_head', 'respond/_foot', 'respond/answer', 'respond/thanks', 'respond/unsubscribe'];
/** Every local those templates read by its bare name (see compiledViews): a new one must be added here. */
const VIEW_LOCALS = [
  ...['locale', 'pageTitle', 'script', 'brandStyle', 'logoPath', 't', 'link', 'token'],
  ...['fromKey', 'errors', 'status', 'action', 'saveAsYouGo', 'autoConfirm', 'clickId', 'honeypot'],
  ...['present', 'values', 'isSelected', 'backUrl', 'editUrl', 'done'],
];

export type RespondDeps = {
  db: Db;
  limits: RespondLimits;
  /**
   * What every request gets before anything else, given by the app: the request log, metrics timing and the
   * security headers. The respondent's router runs first in the app, ahead of everything it does not use
   * (static files, sessions, CSRF, the team's body parser), so it applies these itself, to /r/* only: as
   * middleware (`handlers`) on its routes, and as parts (`page`) on the link's page (respondPage.ts).
   */
  edge: { handlers: RequestHandler[]; page: PageEdge };
  /** Compile the pages once (production); off, each render reads its template again (`npm run dev`). */
  viewCache: boolean;
  /** app.locals, for the link's page drawn in front of Express. */
  appLocals: object;
  /** The client's address as Express reads it (its `trust proxy` setting), for the same. */
  clientIp: (req: IncomingMessage) => string;
};

/**
 * The respondent's pages. No session and no login: the unguessable token in the path is the only
 * credential, and no cookie exists for a forged cross-site form to ride on, so these forms carry no CSRF
 * token (and the RFC 8058 one-click unsubscribe, which arrives with no cookies at all, keeps working).
 * Mounted first in the app: a respondent's request is the most frequent and meets only what it needs.
 */
export function responsesRoutes(responses: ResponsesService, deps: RespondDeps) {
  const r = Router();
  const render = compiledViews(VIEWS, { cache: deps.viewCache, locals: VIEW_LOCALS });
  const sendPage = pageSender(render);
  // Only paths under /r/ are ours ("/r" alone, or "/rates", belong to whatever comes after).
  const ours = (req: Request) => req.originalUrl.startsWith('/r/');
  const onlyOurs =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) =>
      ours(req) ? handler(req, res, next) : next();
  // A GET or HEAD has no body to read: the body parsers are skipped rather than asked.
  const withBody =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) =>
      req.method === 'GET' || req.method === 'HEAD' ? next() : handler(req, res, next);

  const tooMany: Options['handler'] = (_req, _res, next) =>
    next(new AppError(429, 'rate_limited', 'Too many requests from your connection. Try again in a minute.'));
  const limiter = respondLimiter({ windowMs: 60_000, limit: deps.limits.perMinute, handler: tooMany });
  // Public-link submissions create rows, so their limit holds across every instance.
  const publicSubmits = rateLimit({
    windowMs: 10 * 60_000,
    limit: deps.limits.publicSubmitsPer10Min,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new PgRateLimitStore(deps.db, 'public-submit:'),
    handler: tooMany,
  });

  r.use('/r', ...deps.edge.handlers.map(onlyOurs));
  r.use('/r', (req, res, next) => {
    if (!ours(req)) return next();
    // Answers are personal: never cached by a browser or a proxy, never indexed.
    res.set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex' });
    // Until a token names the survey's language, speak the browser's (error pages, 413, 429).
    useLocale(res, (req.acceptsLanguages(...LOCALES) as Locale | false) || 'en');
    next();
  });
  r.use(
    '/r',
    onlyOurs(limiter.middleware),
    ...textBody({ limit: '64kb', parameterLimit: 500, json: false }).map(withBody),
  );

  // ---- The honeypot: a link in the email and on the page that no person can see or reach.
  r.all('/r/:token/h', async (req, res) => {
    await responses.honeypot(String(req.params.token));
    res.status(204).end();
  });

  // ---- A survey's public link (not tied to a contact).
  r.get('/r/p/:token', async (req, res, next) => {
    const link = await responses.openPublic(req.params.token);
    const values: FormValues = {};
    const clicked = scoreFrom(link.questions, req.query.score);
    const primary = responses.primaryScaleOf(link);
    if (primary && clicked !== undefined) values[primary.id] = clicked;
    sendPage(res, next, 'respond/answer', answerPage(res, link, { values, publicMode: true }));
  });

  r.post(
    '/r/p/:token',
    publicSubmits,
    ...handleForm({
      view: 'respond/answer',
      page: async (req, res) =>
        answerPage(res, await responses.openPublic(String(req.params.token)), { values: {}, publicMode: true }),
      // The answers' schema is the survey's own: the service builds it from the questions.
      run: async (body, req, res) => {
        const link = await responses.openPublic(String(req.params.token));
        useLocale(res, link.locale);
        await responses.answerPublic(link, body);
        return `/r/p/${link.token}/thanks`;
      },
    }),
  );

  r.get('/r/p/:token/thanks', async (req, res, next) => {
    const link = await responses.openPublic(req.params.token);
    sendPage(res, next, 'respond/thanks', thanksPage(res, link, { editUrl: undefined }));
  });

  // ---- A delivery's link.
  r.get('/r/:token', async (req, res, next) => {
    const { link, locals } = await deliveryPage(responses, req.params.token, req.query, req.method);
    useLocale(res, link.locale);
    sendPage(res, next, 'respond/answer', locals);
  });

  const clickOf = (body: Record<string, unknown>) => clickIdFrom(body._click);

  r.post(
    '/r/:token',
    ...handleForm({
      view: 'respond/answer',
      page: async (req, res) => {
        const clickId = clickOf(req.body ?? {});
        const click = clickId ? { clickId, autoConfirm: false } : undefined;
        return answerPage(res, await responses.open(String(req.params.token)), { values: {}, click });
      },
      // The answers' schema is the survey's own: the service builds it from the questions.
      run: async (body, req, res) => {
        const link = await responses.open(String(req.params.token));
        useLocale(res, link.locale);
        const clickId = clickOf(body);
        const final = body._partial !== '1';
        const result = await responses.answer(link, body, { final, auto: body._auto === '1', clickId });
        if (wantsJson(req)) {
          res.json(
            result.saved
              ? { saved: true, message: link.t(body._auto === '1' ? 'autoSaved' : 'saved') }
              : { saved: false, reason: result.reason, message: link.t('tapToConfirm') },
          );
          return;
        }
        // Without JavaScript, follow-ups for the chosen score appear after the first "Send": ask them next.
        seeOther(res, result.saved && result.unasked.length ? `/r/${link.token}?saved=1` : `/r/${link.token}/thanks`);
      },
    }),
  );

  r.get('/r/:token/thanks', async (req, res, next) => {
    const link = await responses.open(req.params.token);
    sendPage(res, next, 'respond/thanks', thanksPage(res, link, { editUrl: `/r/${link.token}` }));
  });

  r.get('/r/:token/unsubscribe', async (req, res, next) => {
    const link = await responses.findForUnsubscribe(req.params.token);
    sendPage(res, next, 'respond/unsubscribe', { ...basePage(res, link), done: false });
  });

  // Also the RFC 8058 one-click target: body "List-Unsubscribe=One-Click", no cookies, answered with 200.
  r.post(
    '/r/:token/unsubscribe',
    ...handleForm({
      run: async (_input, req, res) => {
        const link = await responses.unsubscribe(String(req.params.token));
        res.render('respond/unsubscribe', { ...basePage(res, link), done: true });
      },
    }),
  );

  // Nothing else in the app answers under /r/: an unknown path there is the respondent's 404, in their language.
  r.use('/r', (req, _res, next) => next(ours(req) ? notFound() : undefined));

  // The link's page, answered in front of Express, and handing the router whatever it does not draw.
  const page = respondPage(responses, {
    render,
    appLocals: deps.appLocals,
    edge: deps.edge.page,
    limiter,
    clientIp: deps.clientIp,
  });
  return { router: r, page };
}

/**
 * A respondent's page, written in one go from its compiled template, with the locals res.render would give it
 * (the app's, then the response's, then the page's own). These pages are never cached (no-store), so Express's
 * ETag (a hash of every page) and its freshness check are pure cost; and a string body goes out with its
 * headers in a single write.
 */
const pageSender = (render: RenderView) => (res: Response, next: NextFunction, view: string, locals: object) => {
  let html: string;
  try {
    html = render(view, { ...res.app.locals, ...res.locals, ...locals });
  } catch (err) {
    return next(err);
  }
  // setHeader, not res.set: the value is already complete, and res.set would look the type up again.
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(html);
};

/**
 * After an answer: a bare 303 to our own path (the token is URL-safe). res.redirect would negotiate and build
 * a "Redirecting to" body, and hash it for an ETag, on every save.
 */
function seeOther(res: Response, location: string) {
  res.status(303).set('Location', location).end();
}

/**
 * The page's hidden `_click` (the id of the click it confirms): a bigint in the database. Anything that cannot
 * be one of ours (tampered, repeated, too long for a bigint) is ignored: the answer still counts as a person's
 * Send, it only confirms no click — and an automatic confirmation without a click is refused.
 */
function clickIdFrom(raw: unknown): string | undefined {
  return typeof raw === 'string' && /^[1-9]\d{0,17}$/.test(raw) ? raw : undefined;
}

function useLocale(res: Response, locale: Locale) {
  res.locals.locale = locale;
  res.locals.t = translator(locale);
}

function basePage(res: Response, link: OpenSurveyLink) {
  useLocale(res, link.locale);
  return { link, token: link.token };
}

/** The answer page's locals; its words are in the link's language (error pages included). */
function answerPage(res: Response, link: OpenSurveyLink, o: AnswerPageOptions) {
  useLocale(res, link.locale);
  return answerLocals(link, o);
}

function thanksPage(res: Response, link: OpenSurveyLink, o: { editUrl?: string }) {
  return { ...basePage(res, link), editUrl: o.editUrl, backUrl: safeBackLink(link.thankYouUrl) };
}
