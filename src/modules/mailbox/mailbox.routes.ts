import { Router } from 'express';
import type { Db } from '../../platform/db';
import { notFound } from '../../platform/errors';

/** The built-in mailbox's pages: what the app "sent", for signed-in people, when no SMTP_URL is set. */
export function mailboxRoutes(db: Db) {
  const r = Router();

  r.get('/mailbox', async (_req, res) => {
    const messages = await db.query(
      `SELECT id, from_text AS "from", to_text AS "to", subject, received_at AS "receivedAt"
       FROM mailbox_messages ORDER BY id DESC LIMIT 200`,
    );
    res.render('mailbox/list', { title: 'Mailbox', messages });
  });

  r.get('/mailbox/:id', async (req, res) => {
    if (!/^\d{1,18}$/.test(req.params.id)) throw notFound('message');
    const message = await db.one(
      `SELECT id, from_text AS "from", to_text AS "to", subject, html, text, headers, received_at AS "receivedAt"
       FROM mailbox_messages WHERE id = :id`,
      { id: req.params.id },
    );
    if (!message) throw notFound('message');
    res.render('mailbox/message', { title: String(message.subject), message });
  });

  return r;
}
