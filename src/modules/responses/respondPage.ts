import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../../platform/logger';
import { logWhenDone, requestIdOf } from '../../platform/requestLog';
import type { HeaderBlock } from '../../platform/securityHeaders';
import { cleanQueryParser } from '../../platform/text';
import { looksLikeToken } from '../../platform/tokens';
import type { RenderView } from '../../platform/views';
import { scoreFrom } from './answer.schema';
import { answerLocals, valuesFromAnswers } from './presenter';
import type { RespondLimiter } from './respondLimit';
import type { ResponsesService } from './responses.service';

/** What the app gives every request, in the shape the link's page applies it without Express. */
export type PageEdge = {
  log: Logger;
  /** helmet's headers, worked out once (platform/securityHeaders.ts). */
  securityHeaders: HeaderBlock;
  /** Request timing, when metrics are on. */
  timing?: RequestHandler;
};

/**
 * GET (or HEAD) of a delivery's link: the page with the stored answers, a clicked score preselected, and a
 * GET's click recorded (never an answer: scanners prefetch links). Shared by the page below and the router's
 * own route, which draws the same page for a request this one leaves to it.
 */
export async function deliveryPage(
  responses: ResponsesService,
  token: string,
  query: Record<string, unknown>,
  method: string,
) {
  const link = await responses.open(token);
  const values = valuesFromAnswers(link.answers);
  const primary = responses.primaryScaleOf(link);
  const clicked = scoreFrom(link.questions, query.score);
  let click: { clickId: string; autoConfirm: boolean } | undefined;
  if (primary && clicked !== undefined) {
    // Only preselected: opening a link never answers. A HEAD records nothing.
    values[primary.id] = clicked;
    if (method === 'GET') click = await responses.click(link, clicked);
  }
  const status = query.saved === '1' ? link.t('savedMore') : link.completed ? link.t('answered') : '';
  return { link, locals: answerLocals(link, { values, click, status }) };
}

/** Takes the request (true) or leaves it to Express (false); `toApp` hands a taken one over after all. */
export type FrontPage = (req: IncomingMessage, res: ServerResponse, toApp: () => void) => boolean;

// A token as we issue them, with an optional query: anything else (a trailing slash, an escaped character, a
// longer path) is left to the router, which answers it as before.
const PAGE = /^\/r\/([\w-]+)(?:\?|$)/;
// The metrics' route label, as the router would have set it.
const ROUTE = { path: '/r/:token' };
const noop = () => undefined;

/**
 * The link's page, the respondent's busiest request, answered in front of Express (app.ts): Express's own
 * per-request work (prototypes, two routers, their layers) cost more than the whole bare server measured by
 * `npm run bench:respond`. The link is found by one prepared statement, the page drawn by its compiled
 * template, and every header goes out in one writeHead: the security headers worked out at start, the request
 * id, no-store, noindex and the per-IP limit's. The request log line and the metrics timing are the ones every
 * request gets.
 *
 * Only the page is drawn here. Anything else — the limit exceeded, an unknown link, a closed survey, the
 * database away — is handed to Express as it came, whose router answers it exactly as before (the same pages,
 * in the browser's language, with the same headers); nothing was sent or written by then, and the limit is
 * not counted twice.
 */
export function respondPage(
  responses: ResponsesService,
  deps: {
    render: RenderView;
    /** app.locals: what every page's template gets. */
    appLocals: object;
    edge: PageEdge;
    limiter: RespondLimiter;
    /** The client's address as Express reads it (its `trust proxy` setting). */
    clientIp: (req: IncomingMessage) => string;
  },
): FrontPage {
  const { edge, render, limiter } = deps;
  const fixed: string[] = [
    ...edge.securityHeaders.flat(),
    'Cache-Control',
    'no-store',
    'X-Robots-Tag',
    'noindex',
    'Content-Type',
    'text/html; charset=utf-8',
  ];

  async function answer(req: IncomingMessage, res: ServerResponse, token: string, url: string, toApp: () => void) {
    const started = Date.now();
    let drawn: string;
    let limitHeaders: string[];
    try {
      const limit = await limiter.hit(deps.clientIp(req));
      // Over the limit: the router's limiter (counting it once more) answers with its 429 page.
      if (limit.limited) return toApp();
      limitHeaders = limit.headers;
      limiter.counted(req);
      const at = url.indexOf('?');
      const query = at < 0 ? {} : cleanQueryParser(url.slice(at + 1));
      const { locals } = await deliveryPage(responses, token, query, req.method!);
      drawn = render('respond/answer', Object.assign({}, deps.appLocals, locals));
    } catch {
      // Nothing has been sent: the router answers it as it always has (its 404, 410, 503 or outage page). Only a
      // page that fails to draw after its click was recorded would be clicked twice (the router records it again).
      return toApp();
    }
    const id = requestIdOf(req);
    logWhenDone(edge.log, req, res, id, started);
    if (edge.timing) {
      (req as { route?: unknown }).route = ROUTE;
      edge.timing(req as never, res as never, noop);
    }
    res.writeHead(200, [...fixed, ...limitHeaders, 'X-Request-Id', id, 'Content-Length', Buffer.byteLength(drawn)]);
    res.end(drawn);
  }

  return (req, res, toApp) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '';
    const match = PAGE.exec(url);
    if (!match || !looksLikeToken(match[1]!)) return false;
    void answer(req, res, match[1]!, url, toApp);
    return true;
  };
}
