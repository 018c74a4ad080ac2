import type { Db } from '../../platform/db';
import { decodeKeyCursor, encodeKeyCursor } from '../../platform/cursor';
import { conflict, found, invalid } from '../../platform/errors';
import { teammates as teammatesOf } from '../accounts';
import { contactsRepository, type ContactSort } from './contacts.repository';
import type { ErasureParts } from './erasure';
import type { ContactForm, ContactInput, ContactUpsert } from './contacts.schemas';
import { importService, type HistoryPort } from './import/import.service';
import { segmentsRepository } from './segments.repository';
import { isEmptyFilter, parseStoredFilter, type ContactFilter } from './segment.filter';
import { suppressionsRepository } from './suppressions.repository';
import { record, type Actor } from '../audit';

const PAGE_SIZE = 50;

export function contactsService(
  db: Db,
  opts: { importMaxBytes: number; erasure: ErasureParts; history?: HistoryPort },
) {
  const repo = contactsRepository(db);
  const suppressions = suppressionsRepository(db);
  const segmentsRepo = segmentsRepository(db);
  const teammates = teammatesOf(db);

  /** Known emails are left as they are (a blank name filled in at most): counted as known, never renamed. */
  const save = async (workspaceId: string, contacts: ContactInput[]) => {
    const rows = await db.transaction((tx) => repo.insertNew(workspaceId, contacts, tx));
    const added = rows.filter((r) => r.inserted).length;
    return { added, known: contacts.length - added };
  };

  /** A contact with their owner's name. */
  async function get(workspaceId: string, id: string) {
    const [contact, nameOf] = await Promise.all([
      found(repo.find(workspaceId, id), 'contact'),
      teammates.nameOf(workspaceId),
    ]);
    return { ...contact, ownerName: nameOf(contact.ownerUserId) };
  }

  async function segment(workspaceId: string, id: string) {
    const s = await found(segmentsRepo.find(workspaceId, id), 'segment');
    return { ...s, filter: parseStoredFilter(s.filter) };
  }

  return {
    /** A known email is not added again: the person is shown the contact they already have. */
    async addOne(workspaceId: string, contact: ContactInput) {
      const known = await repo.findByEmail(workspaceId, contact.email);
      if (known) return { knownId: known.id };
      await save(workspaceId, [contact]);
      return { knownId: undefined };
    },
    addPasted: save,

    /**
     * A page of the list in a stable order, with the total matching the filter and cursors to the pages
     * before and after (`after` / `before`: the last / first row of the page the person came from).
     */
    async page(
      workspaceId: string,
      o: { filter?: ContactFilter; sort?: ContactSort; after?: string; before?: string } = {},
    ) {
      const filter = o.filter ?? {};
      const sort = o.sort ?? 'newest';
      const after = decodeKeyCursor(o.after);
      const before = after ? undefined : decodeKeyCursor(o.before);
      const from = after
        ? { ...after, direction: 'after' as const }
        : before && { ...before, direction: 'before' as const };
      const [rows, nameOf, total] = await Promise.all([
        repo.page(workspaceId, filter, sort, from, PAGE_SIZE + 1),
        teammates.nameOf(workspaceId),
        repo.count(workspaceId, filter),
      ]);
      const more = rows.length > PAGE_SIZE;
      // Walking back, the extra row is the first one; forward, the last.
      const shown = before && more ? rows.slice(1) : rows.slice(0, PAGE_SIZE);
      const contacts = shown.map((c) => ({ ...c, ownerName: nameOf(c.ownerUserId) }));
      const first = contacts[0];
      const last = contacts[contacts.length - 1];
      const cursorOf = (c: (typeof contacts)[number]) => encodeKeyCursor(c.cursorKey, c.id);
      return {
        contacts,
        total: Number(total),
        sort,
        next: last && (before || more) ? cursorOf(last) : undefined,
        previous: first && (after || (before && more)) ? cursorOf(first) : undefined,
      };
    },
    countSubscribed: repo.countSubscribed,
    listByStatus: repo.listByStatus,
    teammates: teammates.list,
    get,

    /** Another system's contact, found or made by email (see contactUpsertSchema); its owner must be a teammate. */
    async upsert(workspaceId: string, input: ContactUpsert) {
      if (input.ownerId && !(await teammates.isTeammate(workspaceId, input.ownerId)))
        throw invalid('Please correct the highlighted fields.', {
          ownerId: 'Use the id of a teammate of this workspace.',
        });
      const row = await repo.upsertOne(workspaceId, input);
      return { contact: await get(workspaceId, row.id), created: row.inserted };
    },

    /** The contact with this email, if any. */
    findByEmail: async (workspaceId: string, email: string) => {
      const row = await repo.findByEmail(workspaceId, email);
      return row ? get(workspaceId, row.id) : undefined;
    },

    /** Their own word, relayed by another system: the same as the link in our emails. */
    async unsubscribe(workspaceId: string, id: string) {
      await get(workspaceId, id);
      await repo.setStatus(workspaceId, id, ['subscribed', 'suppressed'], 'unsubscribed');
      return get(workspaceId, id);
    },

    async update(workspaceId: string, id: string, form: ContactForm) {
      await get(workspaceId, id);
      if (await repo.emailTaken(workspaceId, form.email, id))
        throw invalid('Please correct the highlighted fields.', { email: 'Another contact already has this email.' });
      if (form.ownerUserId && !(await teammates.isTeammate(workspaceId, form.ownerUserId))) {
        throw invalid('Please correct the highlighted fields.', {
          ownerUserId: 'Choose a teammate from this workspace.',
        });
      }
      await repo.update(workspaceId, id, form);
    },

    async timeline(workspaceId: string, id: string) {
      return repo.timeline(workspaceId, id);
    },

    async suppress(workspaceId: string, id: string) {
      await get(workspaceId, id);
      await repo.setStatus(workspaceId, id, ['subscribed'], 'suppressed');
    },

    /** Lifts only a team's own suppression: an unsubscribe or a bounce is never undone from here. */
    async unsuppress(workspaceId: string, id: string) {
      await db.transaction(async (tx) => {
        const c = await found(repo.find(workspaceId, id, tx), 'contact');
        if (c.status !== 'suppressed')
          throw conflict(`This contact is ${c.status}; only a suppression made by your team can be lifted.`);
        await suppressions.liftManual(workspaceId, c.email, tx);
        await repo.setStatus(workspaceId, id, ['suppressed'], 'subscribed', tx);
      });
    },

    /** Deleting keeps answers (without the person's link) and, for anyone who asked to stop, the suppression hash. */
    async remove(workspaceId: string, id: string) {
      await get(workspaceId, id);
      await repo.remove(workspaceId, id);
    },

    /**
     * Erasure (privacy), in one transaction, each module erasing its own part: answers stay for the charts but
     * lose the person (no contact, no free text; scores and choices stay), replies, notes and alerts about them
     * go, their links die with their deliveries (404), captured copies of their emails go, and the suppression
     * hash stays so a later import of the same address is never emailed.
     */
    /** Recorded by the contact's id only: the log must not keep the address it erased. */
    async erase(workspaceId: string, id: string, from: Actor) {
      await db.transaction(async (tx) => {
        const c = await found(repo.find(workspaceId, id, tx), 'contact');
        const who = { workspaceId, contactId: id, email: c.email };
        await repo.suppressErased(workspaceId, c.email, tx);
        const messageIds: string[] = [];
        for (const part of opts.erasure.parts) messageIds.push(...((await part.messageIds?.(who, tx)) ?? []));
        await opts.erasure.forgetMessages(messageIds, tx);
        for (const part of opts.erasure.parts) await part.erase(who, tx);
        await repo.eraseRow(workspaceId, id, c.email, tx);
        await record(db, from, { action: 'contact.erased', subject: id }, tx);
      });
    },

    /** Everything we hold about one person, for a subject access request. */
    async exportAll(workspaceId: string, id: string, from: Actor) {
      const c = await get(workspaceId, id);
      await record(db, from, { action: 'export.contact', subject: c.email });
      const [invitations, responses, replies, notes] = await Promise.all([
        repo.exportDeliveries(workspaceId, id),
        repo.exportResponses(workspaceId, id),
        repo.exportReplies(workspaceId, id),
        repo.exportNotes(workspaceId, id),
      ]);
      const { suppression, ...contact } = c;
      return {
        exportedAt: new Date().toISOString(),
        contact,
        suppressionList: suppression ? { listed: true, reason: suppression } : { listed: false },
        invitations,
        responses,
        replies,
        notes,
      };
    },

    suppressions: {
      counts: suppressions.counts,
      latest: suppressions.latest,
      /** Suppresses these addresses (see parseEmailList), with or without a contact; says how many were new. */
      add: (workspaceId: string, emails: string[]) =>
        db.transaction((tx) => suppressions.add(workspaceId, emails, 'manual', tx)),
    },

    segments: {
      async list(workspaceId: string) {
        const list = await segmentsRepo.list(workspaceId);
        return Promise.all(
          list.map(async (s) => {
            const filter = parseStoredFilter(s.filter);
            const [total, subscribed] = await Promise.all([
              repo.count(workspaceId, filter),
              repo.count(workspaceId, { ...filter, statuses: ['subscribed'] }),
            ]);
            return { ...s, filter, total, subscribed };
          }),
        );
      },
      get: segment,
      /** Names only: the contact list links segments without counting each on every page view. */
      names: (workspaceId: string) => segmentsRepo.list(workspaceId),
      async create(workspaceId: string, name: string, filter: ContactFilter) {
        const clean = name.trim().slice(0, 80);
        if (!clean) throw invalid('Name the segment.', { name: 'Name the segment.' });
        if (isEmptyFilter(filter))
          throw invalid('Choose at least one filter: a segment of everyone is just "all contacts".', {
            name: 'No filter chosen.',
          });
        const id = await segmentsRepo.create(workspaceId, clean, filter);
        if (!id) throw invalid('Please correct the highlighted fields.', { name: 'A segment with this name exists.' });
        return id;
      },
      async remove(workspaceId: string, id: string) {
        await segment(workspaceId, id);
        await segmentsRepo.remove(workspaceId, id);
      },
    },
    count: repo.count,

    imports: importService(db, { maxBytes: opts.importMaxBytes, history: opts.history }),
  };
}
export type ContactsService = ReturnType<typeof contactsService>;
