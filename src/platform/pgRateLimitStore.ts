import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Db } from './db';

/**
 * An express-rate-limit store in PostgreSQL, for limits that must hold across every instance behind the
 * load balancer (fixed windows; one upsert per counted request). Use it where a request is costly or
 * abusable enough to deserve a database round trip.
 */
export class PgRateLimitStore implements Store {
  private windowSeconds = 60;
  readonly localKeys = false;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
  ) {}

  init(options: Options) {
    this.windowSeconds = Math.max(1, Math.round(options.windowMs / 1000));
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const row = (await this.db.one<{ hits: number; resetTime: Date }>(
      `INSERT INTO rate_limit_hits (key, window_start)
       VALUES (:key, to_timestamp(floor(extract(epoch FROM now()) / :w) * :w))
       ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
       RETURNING hits, window_start + make_interval(secs => :w) AS "resetTime"`,
      { key: this.prefix + key, w: this.windowSeconds },
    ))!;
    // A new window for this key is a good moment to forget windows that are long over.
    if (row.hits === 1) {
      await this.db.execute(`DELETE FROM rate_limit_hits WHERE window_start < now() - make_interval(secs => :w * 2)`, {
        w: this.windowSeconds,
      });
    }
    return { totalHits: row.hits, resetTime: new Date(row.resetTime) };
  }

  async decrement(key: string) {
    await this.db.execute(
      `UPDATE rate_limit_hits SET hits = greatest(hits - 1, 0)
       WHERE key = :key AND window_start = to_timestamp(floor(extract(epoch FROM now()) / :w) * :w)`,
      { key: this.prefix + key, w: this.windowSeconds },
    );
  }

  async resetKey(key: string) {
    await this.db.execute(`DELETE FROM rate_limit_hits WHERE key = :key`, { key: this.prefix + key });
  }
}
