import net from 'node:net';
import { startTestSmtp } from './smtp';

/** Where in the SMTP conversation the fault strikes: at the client's command that opens that stage. */
export type RelayStage = 'connect' | 'greeting' | 'MAIL' | 'RCPT' | 'DATA' | 'after DATA';
/** `drop`: the connection is closed without a reply; `hang`: it stays open and nothing more is answered. */
export type RelayFault = { stage: RelayStage; action: 'drop' | 'hang' };

const END_OF_DATA = Buffer.from('\r\n.\r\n');
const stageOf = (line: string): RelayStage | undefined => {
  const verb = line.slice(0, 4).toUpperCase();
  if (verb === 'EHLO' || verb === 'HELO') return 'greeting';
  if (verb === 'MAIL' || verb === 'RCPT' || verb === 'DATA') return verb;
  return undefined;
};

/**
 * A real SMTP relay (smtp-server, which parses and keeps every message it accepts) behind a TCP proxy that
 * breaks the first `faultyConnections` connections at one stage, the way a broken relay or network would:
 * - `connect`: at accept, before any greeting (drop: closed at once; hang: no greeting ever);
 * - `greeting`, `MAIL`, `RCPT`, `DATA`: when that command arrives, it is not passed on (drop: both sides
 *   closed; hang: nothing more forwarded). Pipelined commands are split line by line, so a fault at RCPT
 *   lets MAIL through;
 * - `after DATA`: the whole message, end-of-data mark included, reaches the relay, which takes it; its
 *   answer is withheld (drop: the client's connection is closed; hang: left open and silent).
 * Later connections pass untouched. `received` holds what the relay took: the copies.
 */
export async function startFaultyRelay(fault: RelayFault, { faultyConnections = 1 } = {}) {
  const smtp = await startTestSmtp();
  const target = new URL(smtp.url);
  const sockets = new Set<net.Socket>();
  let connections = 0;

  const proxy = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined).on('close', () => sockets.delete(client));
    const faulty = connections++ < faultyConnections;
    if (faulty && fault.stage === 'connect') {
      if (fault.action === 'drop') client.destroy();
      return; // hang: accepted, never greeted
    }
    const server = net.connect(Number(target.port), target.hostname);
    sockets.add(server);
    server.on('error', () => undefined).on('close', () => sockets.delete(server));
    const closeBoth = () => {
      client.destroy();
      server.destroy();
    };
    client.on('close', () => {
      // After DATA the relay keeps its side until it has answered, so it does finish taking the message.
      if (!withholding) server.destroy();
    });
    server.on('close', () => client.destroy());

    let withholding = false; // the relay's answers no longer reach the client
    let stopped = false; // the client's bytes no longer reach the relay
    server.on('data', (chunk: Buffer) => {
      if (withholding) {
        // The relay has answered the end of the message (it took it): a drop closes its side now.
        if (fault.action === 'drop') server.end();
        return;
      }
      client.write(chunk);
    });

    let pending = Buffer.alloc(0);
    let inData = false;
    client.on('data', (chunk: Buffer) => {
      if (stopped) return;
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (inData) {
          const end = pending.indexOf(END_OF_DATA);
          if (end < 0) {
            // Forward all but a tail that could be the start of the end-of-data mark.
            const keep = Math.min(pending.length, END_OF_DATA.length - 1);
            server.write(pending.subarray(0, pending.length - keep));
            pending = pending.subarray(pending.length - keep);
            return;
          }
          server.write(pending.subarray(0, end + END_OF_DATA.length));
          pending = pending.subarray(end + END_OF_DATA.length);
          inData = false;
          if (faulty && fault.stage === 'after DATA') {
            withholding = true;
            stopped = true;
            if (fault.action === 'drop') client.destroy();
            return;
          }
          continue;
        }
        const eol = pending.indexOf('\r\n');
        if (eol < 0) return;
        const line = pending.subarray(0, eol + 2);
        if (faulty && stageOf(line.toString('latin1')) === fault.stage) {
          stopped = true;
          if (fault.action === 'drop') closeBoth();
          return;
        }
        server.write(line);
        pending = pending.subarray(eol + 2);
        if (stageOf(line.toString('latin1')) === 'DATA') inData = true;
      }
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as net.AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received: smtp.messages,
    /** Connections the proxy accepted (the faulty ones included). */
    connections: () => connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
      await smtp.close();
    },
  };
}
