import { decodeKeyCursor } from '../../platform/cursor';
import { invalid } from '../../platform/errors';
import { contactUpsertSchema, type ContactFilter, type ContactsService } from '../contacts';
import { endpoint } from './endpoint';
import { presentContact, presentContactSummary } from './present';
import { contactListQuery, contactOut, contactSummaryOut, pageOf, uuidParams } from './schemas';

const tagsOf = (raw: string) => [
  ...new Set(
    raw
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  ),
];

/** /api/v1/contacts: thin routes over the contacts module's use cases. */
export function contactEndpoints(contacts: ContactsService) {
  const tag = 'Contacts';
  const one = { description: 'The contact.', schema: contactOut };
  return [
    endpoint({
      method: 'post',
      path: '/api/v1/contacts',
      tag,
      scope: 'write',
      summary: 'Add or update a contact by email',
      description:
        'Finds the contact by email (any case) or makes it. Fields left out keep their values, null clears them, properties merge key by key. Never re-subscribes anyone.',
      body: contactUpsertSchema,
      idempotent: true,
      responses: {
        200: { description: 'Updated.', schema: contactOut },
        201: { description: 'Made.', schema: contactOut },
      },
      handle: async ({ key, body }) => {
        const { contact, created } = await contacts.upsert(key.workspaceId, body);
        return { status: created ? 201 : 200, body: presentContact(contact) };
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/v1/contacts',
      tag,
      scope: 'read',
      summary: 'List contacts',
      description: 'Newest first, 50 a page.',
      query: contactListQuery,
      responses: { 200: { description: 'A page of contacts.', schema: pageOf(contactSummaryOut, 'ContactPage') } },
      handle: async ({ key, query }) => {
        if (query.email !== undefined) {
          const c = await contacts.findByEmail(key.workspaceId, query.email);
          return { status: 200, body: { data: c ? [presentContactSummary(c)] : [], nextCursor: null } };
        }
        if (query.cursor !== undefined && !decodeKeyCursor(query.cursor))
          throw invalid('Please correct the query parameters.', {
            cursor: 'Use the nextCursor of the previous page as it was given.',
          });
        const filter: ContactFilter = {
          ...(query.q ? { q: query.q } : {}),
          ...(query.tag ? { tags: tagsOf(query.tag) } : {}),
          ...(query.status ? { statuses: [query.status] } : {}),
        };
        const page = await contacts.page(key.workspaceId, { filter, sort: 'newest', after: query.cursor });
        return { status: 200, body: { data: page.contacts.map(presentContactSummary), nextCursor: page.next ?? null } };
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/v1/contacts/:id',
      tag,
      scope: 'read',
      summary: 'Get a contact',
      params: uuidParams,
      responses: { 200: one, 404: { description: 'No such contact in this workspace.' } },
      handle: async ({ key, params }) => ({
        status: 200,
        body: presentContact(await contacts.get(key.workspaceId, params.id)),
      }),
    }),
    endpoint({
      method: 'delete',
      path: '/api/v1/contacts/:id',
      tag,
      scope: 'write',
      summary: 'Delete a contact',
      description:
        'Their answers stay without the link to them; anyone who asked to stop stays on the suppression list.',
      params: uuidParams,
      responses: { 204: { description: 'Deleted.' }, 404: { description: 'No such contact in this workspace.' } },
      handle: async ({ key, params }) => {
        await contacts.remove(key.workspaceId, params.id);
        return { status: 204 };
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/v1/contacts/:id/erase',
      tag,
      scope: 'write',
      summary: 'Erase a contact (GDPR)',
      description:
        'Everything about the person goes (free-text answers, replies, notes, deliveries, captured emails); scores stay anonymised for the charts, and the address stays suppressed as a hash so no later import emails them.',
      params: uuidParams,
      responses: { 204: { description: 'Erased.' }, 404: { description: 'No such contact in this workspace.' } },
      handle: async ({ key, params, req }) => {
        // The actor is the API key, by its name (no person is signed in).
        await contacts.erase(key.workspaceId, params.id, {
          workspaceId: key.workspaceId,
          userId: null,
          name: `API key ${key.name}`,
          ip: req.ip ?? null,
        });
        return { status: 204 };
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/v1/contacts/:id/unsubscribe',
      tag,
      scope: 'write',
      summary: 'Unsubscribe a contact',
      description: 'Their own word, relayed: no survey is sent to them again (their pending invitations end unsent).',
      params: uuidParams,
      responses: { 200: one, 404: { description: 'No such contact in this workspace.' } },
      handle: async ({ key, params }) => ({
        status: 200,
        body: presentContact(await contacts.unsubscribe(key.workspaceId, params.id)),
      }),
    }),
  ];
}
