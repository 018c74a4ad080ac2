import type { Db } from '../../platform/db';
import { parse } from '../../platform/validation';
import { contactsRepository } from './contacts.repository';
import { contactSchema, parsePastedContacts } from './contacts.schemas';

const PAGE_SIZE = 50;

export function contactsService(db: Db) {
  const repo = contactsRepository(db);

  const save = async (workspaceId: string, contacts: ReturnType<typeof parsePastedContacts>) => {
    const rows = await db.transaction((tx) => repo.upsertMany(workspaceId, contacts, tx));
    const added = rows.filter((r) => r.inserted).length;
    return { added, updated: rows.length - added };
  };

  return {
    addOne: (workspaceId: string, input: unknown) => save(workspaceId, [parse(contactSchema, input)]),
    addPasted: (workspaceId: string, text: string) => save(workspaceId, parsePastedContacts(text)),

    async page(workspaceId: string, cursor?: string) {
      const after = decodeCursor(cursor);
      const rows = await repo.page(workspaceId, after, PAGE_SIZE + 1);
      const more = rows.length > PAGE_SIZE;
      const contacts = rows.slice(0, PAGE_SIZE);
      const last = contacts[contacts.length - 1];
      return { contacts, next: more && last ? encodeCursor(last) : undefined };
    },
    countSubscribed: repo.countSubscribed,
  };
}
export type ContactsService = ReturnType<typeof contactsService>;

const encodeCursor = (c: { cursorAt: string; id: string }) => Buffer.from(JSON.stringify([c.cursorAt, c.id])).toString('base64url');

function decodeCursor(cursor?: string) {
  if (!cursor) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (!Number.isNaN(Date.parse(createdAt)) && /^[0-9a-f-]{36}$/i.test(id)) return { createdAt, id };
  } catch {
    // A mangled cursor just starts from the first page.
  }
  return undefined;
}
