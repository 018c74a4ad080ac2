import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { hashToken } from '../../platform/tokens';
import { bounceReported } from '../delivery';
import { followupsCustomerReplies } from '../followups';
import { tokenIn } from './addresses';
import { inboundRepository, type Match } from './inbound.repository';
import { readMessage } from './read';

export type Received = {
  outcome: 'matched' | 'auto_reply' | 'bounce' | 'unmatched' | 'duplicate';
  responseId?: string;
};

export type InboundOptions = {
  db: Db;
  log: Logger;
  /** The reply addresses' domain (INBOUND_DOMAIN, or the built-in one with the mailbox). */
  inboundDomain?: string;
  /** The host of our own Message-IDs (the public URL's, as the delivery worker writes them). */
  messageIdDomain: string;
  /** Tells the delivery worker in this process that notices were queued. */
  onQueued: () => void;
};

/**
 * The one path every received message takes, whatever brought it (the SMTP listener, IMAP polling, "Reply as
 * the customer"): read, match, store once, and for a customer's real answer reopen the conversation and tell its
 * owner. Safe to run for the same message any number of times, on any number of instances: the Message-ID is
 * unique, and whatever follows the insert happens only for the copy that inserted it, in its transaction.
 *
 * Matching uses only what Rapport made: the conversation's reply token, or one of our Message-IDs in
 * In-Reply-To / References. A sender's address alone never attaches a message to a conversation (anyone can
 * write any From); such a message is kept unmatched for owners and admins.
 */
export function inboundService(o: InboundOptions) {
  const repo = inboundRepository(o.db);
  const conversations = followupsCustomerReplies(o.db);
  const bounce = bounceReported(o.db);

  async function match(recipients: string[], answers: string[]): Promise<Match | undefined> {
    for (const address of recipients) {
      const token = tokenIn(address, o.inboundDomain);
      const found = token ? await repo.byToken(hashToken(token)) : undefined;
      if (found) return { ...found, how: 'token' };
    }
    for (const id of answers) {
      const found = await repo.byMessageId(id, o.messageIdDomain);
      if (found) return found;
    }
    return undefined;
  }

  return {
    async receive(raw: Buffer, meta: { source: 'smtp' | 'imap'; recipients?: string[] }): Promise<Received> {
      const mail = await readMessage(raw, meta.recipients);
      const found = mail.bounce ? undefined : await match(mail.recipients, mail.answers);
      const workspaceId = found?.workspaceId ?? (mail.bounce ? null : await repo.soleWorkspaceOf(mail.fromAddress));
      const responseId = found?.responseId ?? null;
      const kind = mail.bounce ? 'bounce' : mail.autoReply ? 'auto_reply' : 'reply';
      const result = await o.db.transaction(async (tx): Promise<Received> => {
        const bounced = mail.bounce ? await bounce(mail.bounce, tx) : null;
        const note = mail.bounce
          ? `${bounced ? 'Bounce of' : 'Bounce report about a message that is not ours:'} ${mail.bounce.messageId} (${mail.bounce.status}${mail.bounce.diagnostic ? `: ${mail.bounce.diagnostic}` : ''})`
          : (found?.note ?? null);
        const stored = await repo.insert(
          {
            ...mail,
            workspaceId,
            responseId,
            kind: bounced || !mail.bounce ? kind : 'auto_reply',
            matchedBy: responseId ? found!.how : null,
            source: meta.source,
            note,
          },
          tx,
        );
        if (!stored) return { outcome: 'duplicate', responseId: responseId ?? undefined };
        if (mail.bounce) return { outcome: bounced ? 'bounce' : 'unmatched' };
        if (!responseId) return { outcome: 'unmatched' };
        // An out-of-office is part of the record, but nobody needs to act on it.
        if (kind === 'auto_reply') return { outcome: 'auto_reply', responseId };
        await conversations.reopen(workspaceId!, responseId, tx);
        await repo.queueNotices(stored.id, workspaceId!, responseId, tx);
        return { outcome: 'matched', responseId };
      });
      o.log.info({ messageId: mail.messageId, source: meta.source, ...result }, 'inbound message');
      if (result.outcome === 'matched') o.onQueued();
      return result;
    },

    conversationOf: repo.conversationOf,
    thread: repo.thread,
    unmatched: repo.unmatched,
  };
}
export type InboundService = ReturnType<typeof inboundService>;
