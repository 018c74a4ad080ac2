import { ConnectionError } from 'sequelize';

type Cause = Error & { code?: string; parent?: Cause; original?: Cause };

// Node socket errors, and PostgreSQL's own codes for "not now": connection exceptions (08…), shutdown or
// crash recovery (57P01–57P03), too many connections (53300).
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
const PG_CODES = /^(08|57P0[123]$|53300$)/;
const PG_MESSAGES =
  /Connection terminated|connection error and is not queryable|terminating connection|timeout exceeded when trying to connect/i;

/**
 * True when an error says the database could not be reached or stopped answering (down, restarting, cut
 * off), as opposed to a statement it refused. Such a request did not happen; the person can try again.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as Cause | undefined, depth = 0; e && depth < 4; e = e.parent ?? e.original, depth++) {
    if (e instanceof ConnectionError) return true;
    if (e.code && (SOCKET_CODES.has(e.code) || PG_CODES.test(e.code))) return true;
    if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/**
 * Resolves true if the database answers `SELECT 1` within `ms`, false otherwise — never hangs: a frozen server
 * (or a pool whose connections are all stuck on one) must not freeze the readiness check with it.
 */
export async function databaseAnswers(query: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      query().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
