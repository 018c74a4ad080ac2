import type { Db, Tx } from '../../platform/db';

/**
 * What inbound asks of conversations when a customer's answer comes back: the conversation is open again (it
 * needs someone), whoever closed it is forgotten, and the customer is waiting from now on if nobody was already
 * (the response-time target runs from it; escalation stays once per conversation). Kept apart from the rest of
 * followups: inbound calls it in the transaction that stores the message.
 */
export const followupsCustomerReplies = (db: Db) => ({
  reopen: (workspaceId: string, responseId: string, tx: Tx) =>
    db.execute(
      `UPDATE conversations SET status = 'open', closed_at = NULL, closed_by = NULL,
         awaiting_since = coalesce(awaiting_since, now()), updated_at = now()
       WHERE workspace_id = :workspaceId AND response_id = :responseId AND (status <> 'open' OR awaiting_since IS NULL)`,
      { workspaceId, responseId },
      tx,
    ),
});
export type FollowupsCustomerReplies = ReturnType<typeof followupsCustomerReplies>;
