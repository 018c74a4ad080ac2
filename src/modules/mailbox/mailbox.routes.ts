import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../platform/db';
import { AppError, notFound } from '../../platform/errors';
import { handleForm, textField } from '../../platform/forms';
import { auth } from '../accounts';
import { asCustomer, sendAsCustomer } from './replyAsCustomer';

/** Rapport's own inbound listener, for "Reply as the customer" (the laptop's whole loop). */
export type MailboxInbound = {
  /** smtp://host:port of the listener. */
  url: string;
  domain: string;
  /** The conversation a received message landed in, if it matched one. */
  conversationOf: (messageId: string) => Promise<string | null>;
};

const asCustomerSchema = z.object({
  body: textField.pipe(
    z.string().trim().min(1, 'Write what the customer says.').max(5000, 'Keep it under 5,000 characters.'),
  ),
});
const PREFILLED = 'Thanks, that helps';

/**
 * The built-in mailbox's pages: what the app "sent", when no SMTP_URL is set. Captured mail holds customers'
 * links and teammates' alerts, so only owners and admins read it, and only their own workspace's.
 */
const PAGE = 200;

export function mailboxRoutes(db: Db, inbound?: MailboxInbound) {
  const r = Router();

  // Who may read it (owners and admins) is the role policy's call (accounts/policy.ts), made before this runs.
  const workspaceOf = (req: Request) => auth(req).workspace.id;

  /** Newest first, 200 a page, keyset on the id (`?before=<id>` pages back in time), with the total. */
  r.get('/mailbox', async (req, res) => {
    const workspaceId = workspaceOf(req);
    const before =
      typeof req.query.before === 'string' && /^\d{1,18}$/.test(req.query.before) ? req.query.before : null;
    const [rows, count] = await Promise.all([
      db.query<{ id: string }>(
        `SELECT id, from_text AS "from", to_text AS "to", subject, received_at AS "receivedAt"
         FROM mailbox_messages WHERE workspace_id = :workspaceId AND (:before::bigint IS NULL OR id < :before::bigint)
         ORDER BY id DESC LIMIT :limit`,
        { workspaceId, before, limit: PAGE + 1 },
      ),
      db.one<{ n: string }>(`SELECT count(*) AS n FROM mailbox_messages WHERE workspace_id = :workspaceId`, {
        workspaceId,
      }),
    ]);
    const messages = rows.slice(0, PAGE);
    res.render('mailbox/list', {
      title: 'Mailbox',
      messages,
      total: Number(count!.n),
      paged: before !== null,
      older: rows.length > PAGE ? messages[messages.length - 1]!.id : undefined,
    });
  });

  type Captured = {
    id: string;
    from: string;
    to: string;
    subject: string;
    html: string | null;
    text: string | null;
    headers: Record<string, string>;
    receivedAt: Date;
  };
  const messageOf = async (req: Request) => {
    const id = String(req.params.id);
    if (!/^\d{1,18}$/.test(id)) throw notFound('message');
    const message = await db.one<Captured>(
      `SELECT id, from_text AS "from", to_text AS "to", subject, html, text, headers, received_at AS "receivedAt"
       FROM mailbox_messages WHERE id = :id AND workspace_id = :workspaceId`,
      { id, workspaceId: workspaceOf(req) },
    );
    if (!message) throw notFound('message');
    return message;
  };
  const messagePage = async (req: Request) => {
    const message = await messageOf(req);
    return {
      title: message.subject || '(no subject)',
      message,
      customer: inbound ? asCustomer(message, inbound.domain) : null,
    };
  };

  r.get('/mailbox/:id', async (req, res) => {
    res.render('mailbox/message', {
      ...(await messagePage(req)),
      values: { body: PREFILLED },
      errors: {},
      unmatched: req.query.unmatched === '1',
    });
  });

  /**
   * "Reply as the customer": a real SMTP message, from the customer's address, threaded under this one, into
   * Rapport's own inbound listener, so the whole loop can be tried on a laptop. Then to the conversation it
   * landed in (or back here, saying it did not match).
   */
  r.post(
    '/mailbox/:id/reply-as-customer',
    ...handleForm({
      view: 'mailbox/message',
      page: messagePage,
      schema: asCustomerSchema,
      run: async ({ body }, req) => {
        const { message, customer } = await messagePage(req);
        if (!inbound || !customer) throw notFound('message');
        const sent = await sendAsCustomer(inbound.url, customer, body, message.from).catch((err: Error) => {
          throw new AppError(
            503,
            'unavailable',
            `The inbound listener did not take the message (${err.message}). Try again.`,
          );
        });
        const conversation = await inbound.conversationOf(sent);
        return conversation ? `/inbox/${conversation}#thread` : `/mailbox/${message.id}?unmatched=1`;
      },
    }),
  );

  return r;
}
