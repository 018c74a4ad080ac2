import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

export type OutgoingMail = {
  from: { name: string; address: string };
  replyTo?: { name: string; address: string };
  to: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers?: Record<string, string>;
  /** The workspace that sends it; stamped only for the built-in mailbox (see createMailTransport). */
  workspaceId?: string;
};

export type MailTransport = { send(mail: OutgoingMail): Promise<{ response: string }>; close(): void };

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
    maxConnections: 5,
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
  return {
    async send(mail) {
      const info = await transporter.sendMail({
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
      });
      return { response: info.response };
    },
    close: () => transporter.close(),
  };
}
