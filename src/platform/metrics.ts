import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import client from 'prom-client';
import type { Logger } from './logger';

/** Where the gauges read from at each scrape: the database and the pools, never a copy kept in memory. */
export type MetricsSources = {
  outbox: () => Promise<{ kind: string; queued: number; oldestSeconds: number }[]>;
  tickerLagSeconds: () => Promise<number>;
  pools: () => { pool: string; inUse: number; waiting: number }[];
};

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * One registry per process (not prom-client's global one: tests start several apps in one process). Only
 * created when METRICS_TOKEN or METRICS_PORT is set, so an instance that nobody scrapes pays nothing.
 */
export function createMetrics(sources: MetricsSources, log: Logger) {
  const registers = [new client.Registry()];
  const [registry] = registers as [client.Registry];
  // The runtime: CPU, memory, GC, handles, and event loop lag (nodejs_eventloop_lag_seconds and percentiles).
  client.collectDefaultMetrics({ register: registry });

  const requests = new client.Histogram({
    name: 'rapport_http_request_duration_seconds',
    help: 'Time from request to the end of the response, by route pattern (never the raw path) and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const sends = new client.Counter({
    name: 'rapport_outbox_sends_total',
    help: 'Messages the delivery worker settled, by kind and outcome (kind "unknown": claims whose lease expired).',
    labelNames: ['kind', 'outcome'],
    registers,
  });

  // The gauges of one scrape share one query: prom-client collects all metrics at once.
  const once = <T>(read: () => Promise<T>) => {
    let pending: Promise<T> | undefined;
    return () => (pending ??= read().finally(() => (pending = undefined)));
  };
  const readOutbox = once(sources.outbox);
  const fromDatabase = (what: string, gauge: client.Gauge, fill: () => Promise<void>) =>
    fill().catch((err: Error) => {
      // A scrape during a database outage still answers, without this gauge, and says why in the log.
      gauge.reset();
      log.warn({ err: err.message }, `metrics: could not read ${what}`);
    });
  const perKind = (name: string, help: string, pick: (r: { queued: number; oldestSeconds: number }) => number) =>
    new client.Gauge({
      name,
      help,
      labelNames: ['kind'],
      registers,
      collect() {
        return fromDatabase('the outbox', this, async () => {
          for (const r of await readOutbox()) this.set({ kind: r.kind }, pick(r));
        });
      },
    });
  perKind('rapport_outbox_queued', 'Messages waiting in the outbox (status queued), by kind.', (r) => r.queued);
  perKind(
    'rapport_outbox_oldest_age_seconds',
    'How long the longest-waiting queued message has been due, by kind (0 when none is due).',
    (r) => r.oldestSeconds,
  );
  new client.Gauge({
    name: 'rapport_ticker_lag_seconds',
    help: 'Age of the oldest schedule slot that is due and not yet opened (0 when none; under 60 is normal).',
    registers,
    collect() {
      return fromDatabase('the ticker lag', this, async () => this.set(await sources.tickerLagSeconds()));
    },
  });
  new client.Gauge({
    name: 'rapport_db_pool_in_use',
    help: 'Database connections checked out of the pool.',
    labelNames: ['pool'],
    registers,
    collect() {
      for (const p of sources.pools()) this.set({ pool: p.pool }, p.inUse);
    },
  });
  new client.Gauge({
    name: 'rapport_db_pool_waiting',
    help: 'Requests waiting for a database connection.',
    labelNames: ['pool'],
    registers,
    collect() {
      for (const p of sources.pools()) this.set({ pool: p.pool }, p.waiting);
    },
  });

  return {
    registry,
    sends,
    /**
     * Times every request. The route label is the Express pattern that handled it ('/r/:token'), so no token,
     * id or address ever becomes a label; anything no route answered (static files, 404s) is '(none)'.
     */
    timing(req: Request, res: Response, next: NextFunction) {
      const end = requests.startTimer();
      res.once('finish', () => {
        const route = (req.route as { path?: unknown } | undefined)?.path;
        end({
          method: METHODS.has(req.method) ? req.method : 'OTHER',
          route: typeof route === 'string' ? route : '(none)',
          status: String(res.statusCode),
        });
      });
      next();
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** `Authorization: Bearer <token>`, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string) {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(given), digest(token));
}

const UNAUTHORIZED = 'Send Authorization: Bearer <METRICS_TOKEN> to read the metrics.';

/** METRICS_TOKEN without METRICS_PORT: GET /metrics on the app's own port, for whoever holds the token. */
export const metricsRoute = (metrics: Metrics, token: string) => async (req: Request, res: Response) => {
  res.set('Cache-Control', 'no-store');
  if (!bearerMatches(req.headers.authorization, token)) {
    res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"');
    res.json({ error: { code: 'unauthorized', message: UNAUTHORIZED } });
    return;
  }
  res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
};

/** METRICS_PORT: /metrics on a listener of its own (a private network, a sidecar), and nothing else there. */
export function startMetricsServer(metrics: Metrics, opts: { port: number; host?: string; token?: string }) {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: only GET /metrics is served here.\n');
    } else if (opts.token && !bearerMatches(req.headers.authorization, opts.token)) {
      res
        .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer realm="metrics"' })
        .end(`${UNAUTHORIZED}\n`);
    } else {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Could not collect the metrics.\n'),
      );
    }
  });
  return new Promise<{ port: number; close: () => Promise<void> }>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '::', () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
