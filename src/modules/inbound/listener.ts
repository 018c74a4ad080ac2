import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Logger } from '../../platform/logger';
import type { InboundService } from './inbound.service';

export type ListenerOptions = {
  receive: InboundService['receive'];
  log: Logger;
  /** Only mail for this domain is taken; anything else is refused at RCPT TO (we are nobody's relay). */
  domain: string;
  /** 0: a free port (the built-in loop on a laptop). */
  port: number;
  host: string;
  maxBytes: number;
};

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

/**
 * Rapport's own SMTP listener (the MX of a subdomain pointed at Rapport): every instance may run one; they all
 * write to the same database and a message delivered twice is stored once. A message is answered 250 only once
 * it is stored, so a sending server keeps it (and retries) when our database is away (451), and never gets a
 * 250 for mail we lost. Plain SMTP, no AUTH: it is a receiving MX, not a submission server.
 */
export async function startInboundListener(o: ListenerOptions) {
  const domain = o.domain.toLowerCase();
  const server = new SMTPServer({
    name: domain,
    banner: 'Rapport inbound',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: o.maxBytes,
    logger: false,
    // A stuck or slow client holds one socket for at most this long.
    socketTimeout: 60_000,
    maxClients: 100,
    onRcptTo(address, _session, callback) {
      const at = address.address.lastIndexOf('@');
      if (at < 0 || address.address.slice(at + 1).toLowerCase() !== domain)
        return callback(smtpError(`5.1.1 <${address.address}>: we only take mail for ${domain}`, 550));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      // A client that drops mid-message: the stream errors; answered once, heard here.
      stream.on('error', (err) => o.log.warn({ err }, 'inbound message stream failed'));
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit smtp-server keeps reading (to answer 552 at the end); we stop keeping.
        if (size <= o.maxBytes) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(smtpError(`5.3.4 Message too big (at most ${o.maxBytes} bytes)`, 552));
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        o.receive(Buffer.concat(chunks), { source: 'smtp', recipients }).then(
          () => callback(),
          (err: Error) => {
            o.log.error({ err }, 'inbound message could not be stored');
            // Temporary: the sending server keeps the message and tries again later.
            callback(smtpError('4.3.0 Could not store the message now; try again later', 451));
          },
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      // smtp-server re-emits a client's broken connection on the server: logged, never the end of the app.
      server.on('error', (err) => o.log.warn({ err }, 'inbound SMTP connection error'));
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const hostForUrl = o.host.includes(':')
    ? `[${o.host === '::' ? '::1' : o.host}]`
    : o.host === '0.0.0.0'
      ? '127.0.0.1'
      : o.host;
  return {
    port,
    url: `smtp://${hostForUrl}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type InboundListener = Awaited<ReturnType<typeof startInboundListener>>;
