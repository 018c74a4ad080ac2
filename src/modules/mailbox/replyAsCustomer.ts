import crypto from 'node:crypto';
import nodemailer from 'nodemailer';

/** What the "Reply as the customer" form needs from a captured message. */
export type AsCustomer = {
  /** The customer: the message's recipient, who now answers. */
  from: string;
  /** Where their mail client would send the answer (Reply-To, else From). */
  to: string;
  /** Of those, the ones our inbound listener takes (at the inbound domain): the SMTP envelope. */
  envelopeTo: string[];
  subject: string;
  messageId: string;
  references: string;
  quoted: string;
};

/** Mail a customer receives from us and may answer: survey invitations and reminders, personal replies. */
const CUSTOMER_MAIL = /^<(delivery|reply)-[0-9a-f-]{36}(\.reminder-\d+)?@[^>\s]+>$/i;

/** A captured header's value (the mailbox keeps each header's whole line, folded as sent). */
const valueOf = (headers: Record<string, string>, name: string) =>
  (headers[name] ?? '')
    .replace(/^[^:]*:\s*/, '')
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
const addressesIn = (value: string) => value.match(/[^\s<>,"]+@[^\s<>,"]+/g) ?? [];

/**
 * How the customer of a captured message would answer it, or null when it is not mail a customer answers. With
 * no reply address in it (replies were sent before the listener ran), the answer still goes into the listener,
 * to a plain address at the inbound domain, and matches by In-Reply-To.
 */
export function asCustomer(
  message: { headers: Record<string, string>; subject: string; text: string | null; from: string; to: string },
  inboundDomain: string,
): AsCustomer | null {
  const messageId = valueOf(message.headers, 'message-id');
  if (!CUSTOMER_MAIL.test(messageId)) return null;
  const customer = addressesIn(valueOf(message.headers, 'to'))[0];
  if (!customer) return null;
  const answerTo = addressesIn(valueOf(message.headers, 'reply-to'));
  const to = answerTo.length ? answerTo : addressesIn(valueOf(message.headers, 'from'));
  const ours = to.filter((a) => a.toLowerCase().endsWith(`@${inboundDomain.toLowerCase()}`));
  const references = valueOf(message.headers, 'references');
  return {
    from: customer,
    to: to.join(', '),
    envelopeTo: ours.length ? ours : [`replies@${inboundDomain}`],
    subject: /^re:/i.test(message.subject) ? message.subject : `Re: ${message.subject}`,
    messageId,
    references: [references, messageId].filter(Boolean).join(' '),
    quoted: (message.text ?? '')
      .trim()
      .split(/\r?\n/)
      .map((l) => `> ${l}`)
      .join('\n'),
  };
}

/**
 * Sends the customer's answer over real SMTP into Rapport's own inbound listener, as their mail client would:
 * threaded (In-Reply-To, References), quoting what they answer under an "… wrote:" line (the inbound path
 * strips it). Resolves with the new message's Message-ID once the listener has stored it (it answers 250 only
 * then).
 */
export async function sendAsCustomer(listenerUrl: string, c: AsCustomer, body: string, sender: string) {
  const url = new URL(listenerUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port),
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const messageId = `<as-customer-${crypto.randomUUID()}@${url.hostname.replace(/^\[|\]$/g, '') || 'localhost'}>`;
  try {
    await transport.sendMail({
      envelope: { from: c.from, to: c.envelopeTo },
      from: c.from,
      to: c.to,
      subject: c.subject,
      messageId,
      inReplyTo: c.messageId,
      references: c.references,
      text: `${body.trim()}\n\nOn ${new Date().toUTCString()}, ${sender} wrote:\n${c.quoted}\n`,
    });
  } finally {
    transport.close();
  }
  return messageId;
}
