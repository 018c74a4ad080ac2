import { Router, type Request } from 'express';
import type { Db } from '../../platform/db';
import { notFound } from '../../platform/errors';
import { auth } from '../accounts';

/**
 * The built-in mailbox's pages: what the app "sent", when no SMTP_URL is set. Captured mail holds customers'
 * links and teammates' alerts, so only owners and admins read it, and only their own workspace's.
 */
const PAGE = 200;

export function mailboxRoutes(db: Db) {
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

  r.get('/mailbox/:id', async (req, res) => {
    const workspaceId = workspaceOf(req);
    if (!/^\d{1,18}$/.test(req.params.id)) throw notFound('message');
    const message = await db.one(
      `SELECT id, from_text AS "from", to_text AS "to", subject, html, text, headers, received_at AS "receivedAt"
       FROM mailbox_messages WHERE id = :id AND workspace_id = :workspaceId`,
      { id: req.params.id, workspaceId },
    );
    if (!message) throw notFound('message');
    res.render('mailbox/message', { title: String(message.subject), message });
  });

  return r;
}
