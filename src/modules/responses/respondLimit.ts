import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ipKeyGenerator, MemoryStore, rateLimit, type Options } from 'express-rate-limit';

/**
 * The per-IP limit on /r/*, counted in this instance's memory: the point is to keep one noisy client from eating
 * an instance's CPU, and a database round trip on every respondent request would cost more than the abuse it
 * stops. Behind N instances a client gets at most N times the limit.
 *
 * One count for two doors: the router's routes take `middleware` (express-rate-limit), and the link's page,
 * answered before Express (respondPage.ts), calls `hit` on the same store, which gives it the same draft-8
 * headers as text to put in its one writeHead. A request the page counted and then handed to the router (an
 * unknown link, the database away) is `counted` and not counted again.
 */
export function respondLimiter(o: { windowMs: number; limit: number; handler: Options['handler'] }) {
  const store = new MemoryStore();
  const counted = new WeakSet<IncomingMessage>();
  const windowSeconds = Math.ceil(o.windowMs / 1000);
  const name = `${o.limit}-in-${windowSeconds / 60}min`;
  const middleware = rateLimit({
    windowMs: o.windowMs,
    limit: o.limit,
    identifier: name,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: o.handler,
    store,
    skip: (req) => counted.has(req),
  });
  // express-rate-limit's partition key (a short hash of the client's key), remembered per key for a window.
  const partitionKeys = new Map<string, string>();
  setInterval(() => partitionKeys.clear(), o.windowMs).unref();
  const partitionKey = (key: string) => {
    let pk = partitionKeys.get(key);
    if (!pk) {
      pk = Buffer.from(crypto.createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
      partitionKeys.set(key, pk);
    }
    return pk;
  };

  return {
    middleware,
    /** Counts a request from `ip`: over the limit or not, and the RateLimit headers (name/value pairs) to send. */
    async hit(ip: string) {
      const key = ipKeyGenerator(ip);
      const { totalHits, resetTime } = await store.increment(key);
      const reset = resetTime ? Math.max(0, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : windowSeconds;
      const remaining = Math.max(o.limit - totalHits, 0);
      return {
        limited: totalHits > o.limit,
        headers: [
          'RateLimit',
          `"${name}"; r=${remaining}; t=${reset}`,
          'RateLimit-Policy',
          `"${name}"; q=${o.limit}; w=${windowSeconds}; pk=:${partitionKey(key)}:`,
        ],
      };
    },
    /** This request was counted by `hit`: the router's middleware lets it through uncounted. */
    counted: (req: IncomingMessage) => counted.add(req),
  };
}
export type RespondLimiter = ReturnType<typeof respondLimiter>;
