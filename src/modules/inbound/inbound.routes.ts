import { Router } from 'express';
import { auth } from '../accounts';
import type { InboundService } from './inbound.service';

const PAGE = 100;

/**
 * Inbox → Unmatched: mail that came back but matched no conversation by anything Rapport made (an unknown or
 * forged reply address, no Message-ID of ours). Owners and admins read it (accounts/policy.ts) and answer from
 * their own mail client if they must; nothing here attaches it to a conversation.
 */
export function inboundRoutes(inbound: InboundService) {
  const r = Router();
  r.get('/inbox/unmatched', async (req, res) => {
    const messages = await inbound.unmatched(auth(req).workspace.id, PAGE);
    res.render('inbound/unmatched', { title: 'Unmatched mail', messages, page: PAGE });
  });
  return r;
}
