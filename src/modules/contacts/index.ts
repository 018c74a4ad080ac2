export { contactsService, type ContactsService } from './contacts.service';
export type { Contact } from './contacts.repository';
export { contactsRoutes } from './contacts.routes';
/**
 * For a schedule's audience: a segment's filter as a SQL condition on a contacts alias with named
 * replacements, e.g. `WHERE c.workspace_id = :workspaceId AND c.status = 'subscribed' AND ${cond.sql}`.
 * `contactsService(db).segments.condition(workspaceId, segmentId)` loads a saved segment and returns the same.
 */
export { filterCondition as segmentCondition, parseStoredFilter, type ContactFilter } from './segment.filter';
export { segmentAudience } from './segments.audience';
export { messageIdsBy, type ContactErasure, type ErasedContact, type ErasureParts } from './erasure';
export { contactWrites, contactsHandOver } from './writes';
export { contactFormSchema } from './contacts.schemas';
export { contactUpsertSchema, type ContactUpsert, LOCALES, STATUSES } from './contacts.schemas';
