import http from 'node:http';
import https from 'node:https';
import { checkedAddresses, guardedLookup, literalIp, type AddressPolicy, type Resolve } from './addressGuard';

export type PostLimits = AddressPolicy & {
  /** The whole exchange (connect, send, status, body) must end within this, or it is a timeout. */
  timeoutMs: number;
  /** Read at most this much of the answer; the rest is not waited for. */
  maxResponseBytes: number;
  resolve?: Resolve;
  /**
   * Kept-alive connection pools: a socket is reused only while it is open, and each new one is opened through
   * `guardedLookup`, so every request goes to an address that was checked (when its connection opened).
   */
  agents?: { http: http.Agent; https: https.Agent };
};

/** What one attempt came to: a status (any, even 500), or an error before one (refused, timeout, network). */
export type PostResult = { status?: number; latencyMs: number; excerpt?: string; error?: string };

const EXCERPT_CHARS = 1000;

/**
 * POST a body to a webhook URL within the SSRF guard and the limits: the connection goes to an address checked
 * when it was opened (an IP literal is checked here on every attempt, a name through `guardedLookup` on every
 * new socket), redirects are not followed (a 3xx is an answer like any other, and not a success), and a
 * receiver that hangs or streams forever is cut off (and its connection closed, never reused).
 */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  o: PostLimits,
): Promise<PostResult> {
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  const target = new URL(url);
  try {
    // A literal address never reaches a lookup: check it here. A name is checked by the lookup itself.
    if (literalIp(target.hostname)) await checkedAddresses(target.hostname, o);
  } catch (err) {
    return { latencyMs: latencyMs(), error: `Refused: ${(err as Error).message}.` };
  }
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<PostResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ...result, latencyMs: latencyMs() });
    };
    const secure = target.protocol === 'https:';
    const request = (secure ? https : http).request(target, {
      method: 'POST',
      // Pooled or fresh, a socket is opened only through the guarded lookup below.
      agent: (secure ? o.agents?.https : o.agents?.http) ?? false,
      lookup: guardedLookup(o, o.resolve),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Rapport-Webhooks/1.0',
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      },
    });
    const deadline = setTimeout(() => {
      finish({ error: `Timed out: no complete answer within ${o.timeoutMs / 1000} s.` });
      request.destroy();
    }, o.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) =>
      finish({
        error: err.code === 'EREFUSED_ADDRESS' ? `Refused: ${err.message}.` : `${err.code ?? 'Error'}: ${err.message}`,
      }),
    );
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
        finish({ status: res.statusCode, excerpt });
      };
      res.on('data', (chunk: Buffer) => {
        if (size < o.maxResponseBytes) chunks.push(chunk.subarray(0, o.maxResponseBytes - size));
        size += chunk.length;
        // Enough read to know what it said; a receiver that keeps talking is not listened to (nor its connection
        // reused).
        if (size >= o.maxResponseBytes) {
          done();
          res.destroy();
        }
      });
      // Read to the end, the connection goes back to its pool.
      res.on('end', done);
      res.on('error', () => (done(), res.destroy()));
    });
    request.end(body);
  });
}
