import { databaseClock, type Clock } from '../../platform/clock';
import type { Db, Tx } from '../../platform/db';
import { decodeCursor, encodeCursor } from '../../platform/cursor';
import { found, invalid } from '../../platform/errors';
import { teammates as teammatesOf } from '../accounts';
import { followupsRepository } from './followups.repository';
import { hoursSince } from './overdue';
import type { InboxFilter } from './followups.schemas';
import { refuseTemplate, SAVED_REPLIES_MAX, savedRepliesRepository } from './realWords';
import { themeUpdates } from './themeUpdates';

export const PAGE_SIZE = 25;

type Teammate = { id: string; name: string; email: string };

/**
 * Closing the loop. Invariants: every read and write is scoped to the workspace; a reply is only queued
 * (the outbox sends it), and only to a contact who is still subscribed; starters never write for anyone.
 */
export function followupsService(
  db: Db,
  opts: {
    onQueued: () => void;
    /** Gives the conversation its reply address (inbound), in the transaction that queues a reply. */
    beforeReply?: (workspaceId: string, responseId: string, tx: Tx) => Promise<void>;
    /** What the pages reckon "overdue" and "waiting N h" from: the database clock unless given (tests fix it). */
    clock?: Clock;
  },
) {
  const repo = followupsRepository(db);
  const clock = opts.clock ?? databaseClock(db);
  /** Whole hours an overdue customer has waited, at the instant the page's overdue flags were reckoned at. */
  const waiting = (c: { overdue: boolean; awaitingSince: Date | null }, now: Date) =>
    c.overdue && c.awaitingSince ? hoursSince(new Date(c.awaitingSince), now) : null;
  const saved = savedRepliesRepository(db);
  const workspaceTeam = teammatesOf(db);

  const get = (workspaceId: string, id: string) => found(repo.find(workspaceId, id), 'answer');

  /** Why a reply cannot go out, in words for the page; undefined when it can. */
  const replyBlocked = (c: { contactId: string | null; contactStatus: string | null }) =>
    !c.contactId
      ? 'This answer is not tied to a contact (public link or erased), so there is nobody to reply to.'
      : c.contactStatus !== 'subscribed'
        ? `This contact is ${c.contactStatus}: we do not email them, not even a personal reply. Reach them another way if you must.`
        : undefined;

  return {
    replyBlocked,
    updates: themeUpdates(db, opts),

    async inbox(workspaceId: string, userId: string, filter: InboxFilter, cursor?: string) {
      const now = await clock();
      const [rows, nameOf, overdueCount] = await Promise.all([
        repo.page(workspaceId, userId, filter, decodeCursor(cursor), PAGE_SIZE + 1, now),
        workspaceTeam.nameOf(workspaceId),
        repo.countOverdue(workspaceId, now),
      ]);
      const items = rows
        .slice(0, PAGE_SIZE)
        .map((i) => ({ ...i, ownerName: nameOf(i.ownerUserId), waitingHours: waiting(i, now) }));
      const last = items[items.length - 1];
      return {
        items,
        overdueCount,
        next: rows.length > PAGE_SIZE && last ? encodeCursor(last.cursorAt, last.id) : undefined,
      };
    },

    countOpenFor: repo.countOpenFor,
    teammates: (workspaceId: string) => workspaceTeam.list(workspaceId),

    async conversation(workspaceId: string, id: string) {
      const now = await clock();
      const record = await found(repo.find(workspaceId, id, undefined, now), 'answer');
      const [thread, earlier, teammates, savedReplies] = await Promise.all([
        repo.thread(workspaceId, id),
        record.contactId ? repo.earlier(workspaceId, record.contactId, id) : Promise.resolve([]),
        workspaceTeam.list(workspaceId),
        saved.list(workspaceId),
      ]);
      const nameOf = (userId: string | null) => teammates.find((t) => t.id === userId)?.name ?? null;
      const c = {
        ...record,
        ownerName: nameOf(record.ownerUserId),
        closedByName: nameOf(record.closedBy),
        waitingHours: waiting(record, now),
      };
      return { conversation: c, thread, earlier, teammates, savedReplies, blocked: replyBlocked(c) };
    },

    async assign(workspaceId: string, id: string, ownerUserId: string | null) {
      await get(workspaceId, id);
      if (ownerUserId && !(await workspaceTeam.isTeammate(workspaceId, ownerUserId))) {
        throw invalid('Please correct the highlighted fields.', {
          ownerUserId: 'Choose a teammate from this workspace.',
        });
      }
      await repo.assign(workspaceId, id, ownerUserId);
    },

    /** Bulk close from the inbox: one statement, so either every chosen open conversation closes or none. */
    closeMany: (workspaceId: string, ids: string[], userId: string) => repo.closeMany(workspaceId, ids, userId),

    async setStatus(workspaceId: string, id: string, status: 'open' | 'closed', userId: string) {
      await get(workspaceId, id);
      await repo.setStatus(workspaceId, id, status, userId);
    },

    /** Closes it, keeping the one line (or none) the contact's next invitation carries, signed by the closer. */
    async close(workspaceId: string, id: string, closer: Teammate, closingLine: string) {
      await db.transaction(async (tx) => {
        await found(repo.find(workspaceId, id, tx), 'answer');
        await repo.setStatus(workspaceId, id, 'closed', closer.id, tx);
        await repo.setClosingLine(workspaceId, id, closingLine || null, closer.name, tx);
      });
    },

    savedReplies: saved.list,
    findSavedReply: saved.find,
    async addSavedReply(workspaceId: string, userId: string, r: { title: string; body: string }) {
      if ((await saved.count(workspaceId)) >= SAVED_REPLIES_MAX)
        throw invalid(
          `A workspace keeps at most ${SAVED_REPLIES_MAX} saved replies: delete one you no longer start from first.`,
        );
      await saved.add(workspaceId, userId, r);
    },
    removeSavedReply: saved.remove,

    /** Queues the reply; whoever replies to an unowned answer owns it from then on. */
    async reply(workspaceId: string, id: string, author: Teammate, body: string, close: boolean) {
      refuseTemplate(body, await saved.list(workspaceId));
      await db.transaction(async (tx) => {
        const c = await found(repo.find(workspaceId, id, tx), 'answer');
        const blocked = replyBlocked(c);
        if (blocked || !c.contactId) throw invalid(blocked ?? 'Nobody to reply to.');
        await opts.beforeReply?.(workspaceId, id, tx);
        await repo.insertReply({ workspaceId, responseId: id, contactId: c.contactId, author, body }, tx);
        if (!c.ownerUserId) await repo.assign(workspaceId, id, author.id, tx);
        if (close) await repo.setStatus(workspaceId, id, 'closed', author.id, tx);
      });
      opts.onQueued();
    },

    async note(workspaceId: string, id: string, author: Teammate, body: string) {
      await db.transaction(async (tx) => {
        await found(repo.find(workspaceId, id, tx), 'answer');
        await repo.insertNote({ workspaceId, responseId: id, author, body }, tx);
      });
    },
  };
}
export type FollowupsService = ReturnType<typeof followupsService>;
