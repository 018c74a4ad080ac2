import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

/** A real SMTP server for tests: keeps each parsed message, or answers as the test tells it to. */
export async function startTestSmtp(
  opts: { onData?: SMTPServerOptions['onData']; onConnect?: SMTPServerOptions['onConnect'] } = {},
) {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect: opts.onConnect,
    onData:
      opts.onData ??
      ((stream, _session, callback) => {
        simpleParser(stream).then((mail) => {
          messages.push(mail);
          callback();
        }, callback);
      }),
  });
  // A client killed mid-session (the crash test does exactly that) resets its socket: not a failure here.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
