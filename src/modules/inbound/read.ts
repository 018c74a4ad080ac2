import crypto from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import type { ReportedBounce } from '../delivery';
import { stripQuoted } from './strip';

/** What Rapport keeps of a received message, and what it matches it by. */
export type InboundMail = {
  /** As sent, or a digest of the raw bytes when it has none (so a second copy is still recognised). */
  messageId: string;
  fromAddress: string;
  fromName: string;
  toText: string;
  /** Every address it was for: the SMTP envelope's, and To, Cc, Delivered-To and X-Original-To. */
  recipients: string[];
  subject: string;
  /** The new text only: quoted history and the "On … wrote:" line stripped. */
  body: string;
  attachments: { name: string; type: string; size: number }[];
  /** In-Reply-To then References, most recent first: the messages it answers. */
  answers: string[];
  autoReply: boolean;
  /** A delivery status notification that reports a failure, with the message it is about. */
  bounce: ReportedBounce | null;
};

/** The longest text kept of one message: a reply is a few lines; a pasted novel is cut, not refused. */
const MAX_BODY = 20_000;

/** Reads a raw RFC 5322 message (mailparser), already bounded in size by whoever received it. */
export async function readMessage(raw: Buffer, envelopeRecipients: string[] = []): Promise<InboundMail> {
  // keepDeliveryStatus: a DSN's machine-readable part stays an attachment we can read, not text.
  const mail = await simpleParser(raw, { keepDeliveryStatus: true, skipImageLinks: true, skipTextToHtml: true });
  const from = addresses(mail.from)[0];
  const text = (mail.text ?? '').replace(/\r\n/g, '\n');
  const stripped = stripQuoted(text);
  return {
    messageId: mail.messageId?.trim() || `<sha256-${crypto.createHash('sha256').update(raw).digest('hex')}@inbound>`,
    fromAddress: from?.address.toLowerCase() ?? '',
    fromName: from?.name ?? '',
    toText: [mail.to]
      .flat()
      .map((a) => a?.text ?? '')
      .filter(Boolean)
      .join(', '),
    recipients: [
      ...envelopeRecipients,
      ...addresses(mail.to),
      ...addresses(mail.cc),
      ...headerAddresses(mail, 'delivered-to'),
      ...headerAddresses(mail, 'x-original-to'),
    ]
      .map((a) => (typeof a === 'string' ? a : a.address))
      .filter((a): a is string => !!a),
    subject: mail.subject ?? '',
    // A reply that is all quote (nothing typed above it) keeps its text rather than showing nothing.
    body: (stripped || text.trim()).slice(0, MAX_BODY),
    attachments: mail.attachments.filter(listed).map((a) => ({
      name: a.filename || `(unnamed ${a.contentType})`,
      type: a.contentType,
      size: a.size,
    })),
    answers: answered(mail),
    autoReply: isAutoReply(mail, from?.address ?? ''),
    bounce: reportedBounce(mail),
  };
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  [field]
    .flat()
    .flatMap((a) => a?.value ?? [])
    .flatMap((a) => (a.group ? a.group : [a]))
    // Only the domain is case-insensitive: a reply token in the local part is not.
    .map((a) => ({ address: (a.address ?? '').replace(/@[^@]*$/, (d) => d.toLowerCase()), name: a.name ?? '' }))
    .filter((a) => a.address);

/** Delivered-To / X-Original-To as mailparser leaves them (a string, or several). */
const headerAddresses = (mail: ParsedMail, name: string): string[] =>
  [mail.headers.get(name)]
    .flat()
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.replace(/^.*</, '').replace(/>.*$/, '').trim());

/** A DSN's own parts are the report, not attachments of the customer's. */
const listed = (a: Attachment) =>
  !['message/delivery-status', 'message/rfc822', 'text/rfc822-headers', 'message/disposition-notification'].includes(
    a.contentType,
  ) &&
  (a.contentDisposition === 'attachment' || !!a.filename);

function answered(mail: ParsedMail): string[] {
  const ids = (v: unknown) => (typeof v === 'string' ? (v.match(/<[^<>\s]+>/g) ?? []) : Array.isArray(v) ? v : []);
  const refs = ids(mail.references).reverse();
  return [...new Set([...ids(mail.inReplyTo), ...refs])].map(String);
}

/** Out-of-office and vacation subjects in the languages customers write in most. */
const AUTO_SUBJECT =
  /^\s*(auto(matic)?[ -]?(reply|response|antwort)|autoreply|auto:|out of (the )?office|ooo\b|vacation|abwesenheit|réponse automatique|absence|respuesta automática|fuera de la oficina|risposta automatica|automatisch antwoord|afwezig)/i;

/**
 * RFC 3834's Auto-Submitted (anything but "no"), the vendors' own flags (X-Autoreply, X-Autorespond,
 * Exchange's X-Auto-Response-Suppress is NOT one: Outlook sets it on ordinary mail), Precedence bulk / junk /
 * list / auto_reply, a mailer daemon as sender, or an out-of-office subject.
 */
export function isAutoReply(mail: ParsedMail, from: string): boolean {
  const header = (name: string) => {
    const v = mail.headers.get(name);
    return typeof v === 'string'
      ? v.trim().toLowerCase()
      : v && typeof v === 'object' && 'value' in v
        ? String(v.value).toLowerCase()
        : '';
  };
  const autoSubmitted = header('auto-submitted').split(';')[0]!.trim();
  return (
    (autoSubmitted !== '' && autoSubmitted !== 'no') ||
    mail.headers.has('x-autoreply') ||
    mail.headers.has('x-autorespond') ||
    ['bulk', 'junk', 'list', 'auto_reply'].includes(header('precedence')) ||
    /^(mailer-daemon|postmaster)@/i.test(from) ||
    AUTO_SUBJECT.test(mail.subject ?? '')
  );
}

/**
 * A delivery status notification (RFC 3464: multipart/report; report-type=delivery-status) whose recipient
 * failed for good (Action: failed), with the Message-ID of the message it reports on (from the returned
 * message or its headers). A delay report, or a report about nothing we can name, is not a bounce.
 */
function reportedBounce(mail: ParsedMail): ReportedBounce | null {
  const type = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value?.toLowerCase() !== 'multipart/report') return null;
  const part = (t: string) => mail.attachments.find((a) => a.contentType === t)?.content.toString('utf8');
  const status = part('message/delivery-status') ?? '';
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(status)?.[1]?.trim() ?? '';
  if (field('Action').toLowerCase() !== 'failed') return null;
  const original = part('message/rfc822') ?? part('text/rfc822-headers') ?? '';
  const messageId = /^Message-ID:\s*(<[^>\s]+>)/im.exec(original)?.[1];
  if (!messageId) return null;
  return {
    messageId,
    status: /\d\.\d{1,3}\.\d{1,3}/.exec(field('Status'))?.[0] ?? '5.0.0',
    diagnostic: field('Diagnostic-Code').replace(/^smtp;\s*/i, ''),
  };
}
