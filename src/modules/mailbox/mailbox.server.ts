import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { WORKSPACE_HEADER } from '../../platform/mail';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The sending workspace, as the delivery worker stamped it (see the mailbox-workspace migration for why). */
const workspaceOf = (header: unknown) =>
  typeof header === 'string' && UUID.test(header.trim()) ? header.trim() : null;

/**
 * The built-in mailbox: a real SMTP server inside the process that keeps every message the app sends, so
 * the whole loop works on a laptop with no relay. Listens on loopback only, on a free port. Speaks SMTPUTF8
 * (smtp-server's default), so internationalised addresses (josé@example.com) arrive as they are.
 */
export async function startMailboxServer(db: Db, log: Logger): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'Rapport built-in mailbox',
    size: 10 * 1024 * 1024,
    logger: false,
    onData(stream, _session, callback) {
      // A client that drops mid-message: the parser below rejects, and the stream's own error is heard here.
      stream.on('error', (err) => log.warn({ err }, 'mailbox message stream failed'));
      simpleParser(stream)
        .then((mail) =>
          db.execute(
            `INSERT INTO mailbox_messages (workspace_id, message_id, from_text, to_text, subject, html, text, headers)
             VALUES ((SELECT id FROM workspaces WHERE id = :workspaceId::uuid), :messageId, :from, :to, :subject, :html, :text, :headers)`,
            {
              workspaceId: workspaceOf(mail.headers.get(WORKSPACE_HEADER.toLowerCase())),
              messageId: mail.messageId ?? null,
              from: mail.from?.text ?? '',
              to: [mail.to]
                .flat()
                .map((a) => a?.text ?? '')
                .join(', '),
              subject: mail.subject ?? '',
              html: typeof mail.html === 'string' ? mail.html : null,
              text: mail.text ?? null,
              headers: JSON.stringify(Object.fromEntries(mail.headerLines.map((h) => [h.key, h.line]))),
            },
          ),
        )
        .then(
          () => callback(),
          (err: Error) => {
            log.error({ err }, 'mailbox could not store a message');
            callback(err);
          },
        );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      // smtp-server re-emits a client's broken connection on the server: log it, never crash the app.
      server.on('error', (err) => log.warn({ err }, 'mailbox connection error'));
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
