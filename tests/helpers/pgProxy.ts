import net from 'node:net';

/**
 * A TCP proxy in front of a real PostgreSQL that a test controls, to cause real outages:
 * - `freeze()`: keeps every connection open but forwards nothing (a hung server: SIGSTOP-like), and new
 *   connections are accepted and left waiting;
 * - `cut()`: drops every connection and refuses new ones (the server is down);
 * - `restore()`: forwards again; connections made while frozen are then joined to the server.
 */
export async function startPgProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || 5432);
  const targetHost = target.hostname;
  let mode: 'open' | 'frozen' | 'cut' = 'open';
  const pairs = new Set<{ client: net.Socket; server?: net.Socket }>();
  const waiting: net.Socket[] = [];

  const join = (client: net.Socket) => {
    const pair: { client: net.Socket; server?: net.Socket } = { client };
    pairs.add(pair);
    const server = net.connect(targetPort, targetHost);
    pair.server = server;
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        // While frozen, bytes are held back exactly as a stopped server would hold them.
        if (mode === 'frozen') {
          from.pause();
          held.push(() => {
            to.write(chunk);
            from.resume();
          });
        } else to.write(chunk);
      });
    forward(client, server);
    forward(server, client);
    const end = () => {
      client.destroy();
      server.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  };
  const held: (() => void)[] = [];

  const proxy = net.createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    if (mode === 'frozen') {
      client.on('error', () => undefined);
      waiting.push(client);
      return;
    }
    join(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as net.AddressInfo).port;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  return {
    url: url.toString(),
    freeze() {
      mode = 'frozen';
    },
    cut() {
      mode = 'cut';
      for (const p of pairs) {
        p.client.destroy();
        p.server?.destroy();
      }
      pairs.clear();
      for (const c of waiting.splice(0)) c.destroy();
      held.length = 0;
    },
    restore() {
      mode = 'open';
      for (const release of held.splice(0)) release();
      for (const c of waiting.splice(0)) if (!c.destroyed) join(c);
    },
    async close() {
      this.cut();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
export type PgProxy = Awaited<ReturnType<typeof startPgProxy>>;
