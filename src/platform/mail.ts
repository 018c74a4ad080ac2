import { pipeline, Transform, type Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

export type OutgoingMail = {
  from: { name: string; address: string };
  /** One address, or several (a personal reply: the conversation's reply address and the teammate's own). */
  replyTo?: { name: string; address: string } | { name: string; address: string }[];
  to: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers?: Record<string, string>;
  /** The workspace that sends it; stamped only for the built-in mailbox (see createMailTransport). */
  workspaceId?: string;
};

/**
 * A failed send, as nodemailer reports it, plus where it stood. `afterData`: the whole message, with its
 * end-of-data mark, had been handed to the relay and no answer came back (the connection dropped or went
 * silent), so the relay may hold it and a resend could deliver it twice. Before that point (no connection, no
 * greeting, MAIL, RCPT or DATA refused or unanswered) the relay cannot have taken the message. nodemailer
 * itself reports every dropped or silent connection the same way (code ECONNECTION or ETIMEDOUT, command
 * 'CONN', whatever the stage), hence our own watch on the message stream.
 */
export type SendFailure = Error & {
  responseCode?: number;
  code?: string;
  command?: string;
  response?: string;
  afterData: boolean;
};

export type SendHooks = {
  /**
   * Called when the message enters its SMTP transaction on a ready connection (right before MAIL FROM; again
   * if the pool moves it to another connection before a byte of it was read). The message's body waits for
   * it, so whatever it records is recorded before the relay can have the message; if it rejects, the
   * transaction is abandoned before the end of DATA and the send fails with that error.
   */
  onTransaction?: () => Promise<void>;
};

export type MailTransport = {
  send(mail: OutgoingMail, hooks?: SendHooks): Promise<{ response: string }>;
  /** How many SMTP connections it keeps open at most: messages that can be inside a transaction at once. */
  readonly connections: number;
  close(): void;
};

/** SMTP connections each transport keeps open at most. */
export const SMTP_POOL_SIZE = 5;

/** Pooled SMTP: reusing connections is ~20× faster than a handshake per message (FIELD-NOTES). */
export const WORKSPACE_HEADER = 'X-Rapport-Workspace';

/**
 * `stampWorkspace` (the built-in mailbox only): each message carries its workspace in a header, so the
 * mailbox shows it to that workspace alone. Never for a real relay: our ids stay inside.
 */
export function createMailTransport(
  smtpUrl: string,
  opts: { timeoutMs?: number; stampWorkspace?: boolean } = {},
): MailTransport {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const options: SMTPPool.Options = {
    pool: true,
    maxConnections: SMTP_POOL_SIZE,
    host: url.hostname,
    port: Number(url.port) || (secure ? 465 : 587),
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: opts.timeoutMs ?? 10_000,
    greetingTimeout: opts.timeoutMs ?? 10_000,
    socketTimeout: opts.timeoutMs ?? 30_000,
    // A loopback relay (the built-in mailbox, a test server) has no certificate worth checking.
    ignoreTLS: ['127.0.0.1', 'localhost', '::1'].includes(url.hostname),
  };
  const transporter = nodemailer.createTransport(options);
  transporter.use('stream', (mail, done) => {
    const progress = (mail.data as Record<string, unknown>)[PROGRESS] as Progress | undefined;
    if (progress) mail.message.processFunc((input) => watchMessage(input, progress));
    done();
  });
  return {
    async send(mail, hooks = {}) {
      const progress: Progress = { dataEnded: false, onTransaction: hooks.onTransaction };
      const options: Mail.Options & { [PROGRESS]: Progress } = {
        from: mail.from,
        replyTo: mail.replyTo,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
        headers:
          opts.stampWorkspace && mail.workspaceId
            ? { ...mail.headers, [WORKSPACE_HEADER]: mail.workspaceId }
            : mail.headers,
        [PROGRESS]: progress,
      };
      try {
        const info = await transporter.sendMail(options);
        return { response: info.response };
      } catch (err) {
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { afterData: progress.dataEnded });
      }
    },
    connections: SMTP_POOL_SIZE,
    close: () => transporter.close(),
  };
}

/** How far one send got, and the hook its transaction waits on; rides along in the message options. */
type Progress = { dataEnded: boolean; onTransaction?: () => Promise<void> };
const PROGRESS = 'rapportProgress';

/**
 * The last stage of the message stream, which nodemailer's pool builds on a ready connection right before MAIL
 * FROM and pipes into DATA after the relay's 354 (a process function runs after every transform, and we sign
 * nothing after it).
 * - Built: the message enters its transaction; `onTransaction` runs, and no byte passes before it resolves.
 * - Ended: the whole message has been read into the DATA stream, which writes the end-of-data mark right
 *   after: from then on the outcome is the relay's secret. It cannot end earlier, as nobody reads it before
 *   DATA is accepted.
 */
function watchMessage(input: Readable, progress: Progress): Readable {
  const entered = progress.onTransaction?.() ?? Promise.resolve();
  // Its failure reaches nodemailer through the stream below; this only stops it counting as unhandled.
  entered.catch(() => undefined);
  const output = new Transform({
    transform: (chunk, _encoding, done) => void entered.then(() => done(null, chunk), done),
    flush: (done) => void entered.then(() => done(), done),
  });
  output.once('end', () => (progress.dataEnded = true));
  // pipeline carries an error of the input to the output (nodemailer fails the send with it) and destroys the
  // input when the connection gives up on the output.
  return pipeline(input, output, () => undefined);
}
