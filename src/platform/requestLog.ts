import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from './logger';

// An incoming X-Request-Id (from a load balancer or a client) is kept when it looks like an id; anything else
// (too long, spaces, control characters) is replaced, so nobody can write arbitrary text into our logs.
const SANE_ID = /^[\w.:-]{1,128}$/;
// Probes and scrapes every few seconds would drown the requests people make.
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);
const SECRET_NAME = /csrf|token|secret|password|key/i;

/**
 * The URL as logged: the respondent's token in /r/<token> and /r/p/<token> is replaced (whatever its shape,
 * even a mistyped one), and so is the value of any query parameter that carries a secret (our forms keep their
 * CSRF token in the body, but a hand-made link or an old bookmark may carry one). Email addresses are scrubbed
 * by the logger itself.
 */
export function redactUrl(url: string) {
  const at = url.indexOf('?');
  const path = (at < 0 ? url : url.slice(0, at)).replace(/(^|\/)r\/+(p\/+)?[^/]+/, '$1r/$2:token');
  if (at < 0) return path;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq >= 0 && SECRET_NAME.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    });
  return `${path}?${query.join('&')}`;
}

/** The request's id: a sane incoming X-Request-Id, else a new one. */
export function requestIdOf(req: IncomingMessage) {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : crypto.randomUUID();
}

/** One JSON line per request (method, redacted URL, status, time), with an id echoed in X-Request-Id. */
export function requestLogger(log: Logger) {
  return pinoHttp({
    logger: log,
    genReqId(req, res) {
      const id = requestIdOf(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req: IncomingMessage) => QUIET.has((req.url ?? '').split('?')[0]!) },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      // No headers (cookies, Authorization, X-CSRF-Token), no body, no client address.
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/**
 * The same line requestLogger writes, for the respondent's page, which answers before Express's router and
 * does not pay for pino-http's two child loggers per request (responses/respondPage.ts). The id is the caller's
 * (it sends it in its own header block). Nothing is done per request when the line would not be written.
 */
export function logWhenDone(log: Logger, req: IncomingMessage, res: ServerResponse, id: string, started: number) {
  if (!log.isLevelEnabled('error')) return;
  const url = redactUrl(req.url ?? '');
  // 'close' follows 'finish' on every response, and comes alone when the client went away first.
  res.once('close', () => {
    const status = res.statusCode;
    const line = { req: { id, method: req.method, url }, res: { statusCode: status } };
    if (status >= 500) log.error({ ...line, responseTime: Date.now() - started }, 'request errored');
    else log.info({ ...line, responseTime: Date.now() - started }, 'request completed');
  });
}
