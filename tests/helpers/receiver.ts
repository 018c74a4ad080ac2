import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string };
/** What the receiver does with the next request: answer with a status (and body), or never answer. */
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP server on 127.0.0.1 standing in for a customer's webhook receiver (or Slack): it keeps every
 * request as it arrived (raw body, headers) and answers from a script the test sets, then `fallback`.
 */
export async function startReceiver(fallback: Reply = { status: 200, body: 'ok' }) {
  const received: Received[] = [];
  const script: Reply[] = [];
  const waiters: (() => void)[] = [];
  const hung = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      received.push({
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      waiters.splice(0).forEach((w) => w());
      const reply = script.shift() ?? fallback;
      if (reply === 'hang') return void hung.add(res);
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    /** The next answers, in order; afterwards the fallback. */
    answer: (...replies: Reply[]) => void script.push(...replies),
    /** Resolves once `n` requests have arrived in all. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (received.length >= n ? resolve() : waiters.push(check));
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
