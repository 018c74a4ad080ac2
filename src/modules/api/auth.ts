import type { NextFunction, Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Db } from '../../platform/db';
import { AppError } from '../../platform/errors';
import { PgRateLimitStore } from '../../platform/pgRateLimitStore';
import type { ApiKeysService } from './keys.service';
import type { ApiKey, Scope } from './keys.repository';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      apiKey?: ApiKey;
    }
  }
}

/**
 * The key in `Authorization`: `Bearer <key>`, or HTTP Basic with the key as the user name and any password
 * (what Delighted's clients send: `key:`).
 */
export function presentedKey(header: string | undefined): string | undefined {
  const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'bearer') return m[2];
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const user = decoded.split(':', 1)[0];
  return user || undefined;
}

const CHALLENGE = 'Bearer realm="Rapport API", Basic realm="Rapport API"';

/** Every API request names its key; the key decides the workspace, and nothing else in the request can. */
export const apiAuth = (keys: ApiKeysService) => async (req: Request, res: Response, next: NextFunction) => {
  const presented = presentedKey(req.headers.authorization);
  if (!presented) {
    res.set('WWW-Authenticate', CHALLENGE);
    return next(
      new AppError(
        401,
        'unauthenticated',
        'Send your API key as "Authorization: Bearer <key>" (or HTTP Basic with the key as the user name). Keys are made under Settings → API keys.',
      ),
    );
  }
  const key = await keys.authenticate(presented);
  if (!key) {
    res.set('WWW-Authenticate', CHALLENGE);
    return next(
      new AppError(
        401,
        'invalid_key',
        'This API key is unknown or was revoked. Make a new one under Settings → API keys.',
      ),
    );
  }
  req.apiKey = key;
  next();
};

/** The key of a request behind apiAuth. */
export const keyOf = (req: Request): ApiKey => {
  if (!req.apiKey) throw new AppError(401, 'unauthenticated', 'No API key.');
  return req.apiKey;
};

/** A write needs a key with the write scope; a read, one with read. */
export const requireScope = (scope: Scope) => (req: Request, _res: Response, next: NextFunction) => {
  const key = keyOf(req);
  if (!key.scopes.includes(scope))
    return next(
      new AppError(
        403,
        'insufficient_scope',
        `This key has the ${key.scopes.join(' and ')} scope; this needs ${scope}. Make a key with ${scope} under Settings → API keys.`,
      ),
    );
  next();
};

/**
 * Requests per minute per key, counted in PostgreSQL so the limit holds however many instances serve the key.
 * Over it: 429 with Retry-After (seconds until the minute's window ends).
 */
export function keyRateLimit(db: Db, perMinute: number) {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: new PgRateLimitStore(db, 'api-key:'),
    keyGenerator: (req) => keyOf(req).id,
    handler: (req, res, next) => {
      const info = (req as typeof req & { rateLimit?: { resetTime?: Date } }).rateLimit;
      const reset = info?.resetTime?.getTime() ?? Date.now() + 60_000;
      const seconds = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
      res.set('Retry-After', String(seconds));
      next(
        new AppError(
          429,
          'rate_limited',
          `This key made more than ${perMinute} requests this minute. Retry after ${seconds} seconds.`,
        ),
      );
    },
  });
}
