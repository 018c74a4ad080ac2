import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../platform/db';
import { AppError, invalid } from '../../platform/errors';
import type { Result, Runner } from './endpoint';

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
/** How long a duplicate waits for the first request with its key to finish before giving up with 409. */
const WAIT_FOR_FIRST_MS = 60_000;

/** Key order must not make two equal bodies look different. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : (JSON.stringify(v) ?? 'null');

type Stored = { requestHash: Buffer; status: number | null; body: unknown };

/**
 * `Idempotency-Key` on the endpoints that create something: the first successful result is kept 24 hours and a
 * retry with the same key gets it again (`Idempotent-Replayed: true`) and creates nothing.
 *
 * The first request with a key claims it by inserting a pending row (unique per workspace and key); concurrent
 * duplicates find that row and wait for its answer by re-reading it, holding no connection meanwhile (waiting on
 * a lock would hold one each, and a burst of duplicates could starve the pool the first request needs). A
 * refusal (4xx) or failure releases the key, so a corrected retry runs. The same key with another request
 * (method, path or body) is refused with 422.
 */
export function idempotency(db: Db): Runner {
  return async (e, req, run) => {
    const key = req.get('Idempotency-Key');
    if (!e.idempotent || key === undefined) return run();
    if (!KEY_SHAPE.test(key))
      throw invalid('The Idempotency-Key header must be 1 to 255 visible ASCII characters (a UUID is a good choice).', {
        'Idempotency-Key': 'Use 1 to 255 visible ASCII characters.',
      });
    const workspaceId = req.apiKey!.workspaceId;
    const requestHash = crypto
      .createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${canonical(req.body)}`)
      .digest();
    const ids = { workspaceId, key };

    const claim = async () => {
      // A key older than a day is free again; keys past their day are forgotten as new ones arrive.
      await db.execute(`DELETE FROM api_idempotency WHERE created_at < now() - interval '24 hours'`);
      return (
        (await db.execute(
          `INSERT INTO api_idempotency (workspace_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [workspaceId, key, requestHash],
        )) === 1
      );
    };
    const stored = () =>
      db.one<Stored>(
        `SELECT request_hash AS "requestHash", status, body FROM api_idempotency WHERE workspace_id = :workspaceId AND key = :key`,
        ids,
      );

    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      if (await claim()) {
        let result: Result;
        try {
          result = await run();
        } catch (err) {
          await db.execute(
            `DELETE FROM api_idempotency WHERE workspace_id = :workspaceId AND key = :key AND status IS NULL`,
            ids,
          );
          throw err;
        }
        await db.execute(
          `UPDATE api_idempotency SET status = $3, body = $4::json WHERE workspace_id = $1 AND key = $2`,
          [workspaceId, key, result.status, result.body === undefined ? null : JSON.stringify(result.body)],
        );
        return result;
      }
      const prior = await stored();
      if (prior && !prior.requestHash.equals(requestHash))
        throw new AppError(
          422,
          'idempotency_key_reused',
          'This Idempotency-Key was used in the last 24 hours for a different request. Use a new key for a new request.',
          { 'Idempotency-Key': 'Already used for another request.' },
        );
      if (prior && prior.status !== null)
        return { status: prior.status, body: prior.body ?? undefined, headers: { 'Idempotent-Replayed': 'true' } };
      // The first request is still running (or just gave the key back): look again shortly.
      if (Date.now() > deadline)
        throw new AppError(409, 'conflict', 'A request with this Idempotency-Key is still running. Retry in a moment.');
      await sleep(pause);
    }
  };
}
