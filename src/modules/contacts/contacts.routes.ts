import { Router, type Request } from 'express';
import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { auth, recordAction } from '../accounts';
import {
  confirmSchema,
  contactFormSchema,
  contactSchema,
  LOCALES,
  parsePastedContacts,
  pastedContactsSchema,
  STATUSES,
} from './contacts.schemas';
import type { ContactsService } from './contacts.service';
import { importRoutes } from './import/import.routes';
import {
  describeFilter,
  filterFromInput,
  filterToQuery,
  isEmptyFilter,
  SCORE_BANDS,
  type ContactFilter,
} from './segment.filter';
import { segmentsRoutes } from './segments.routes';

// Only numbers travel in the URL: a link can never put words of its own on our page.
const savedNotice = (q: Record<string, unknown>) => {
  const added = Number(q.added),
    updated = Number(q.updated);
  if (!Number.isInteger(added) || !Number.isInteger(updated)) return undefined;
  return `Saved: ${added} added, ${updated} already known (updated).`;
};

const NOTICES: Record<string, string> = {
  deleted: 'Contact deleted. Their answers stay in the dashboards without their name.',
  erased: 'Contact erased: their personal data is gone, their answers are anonymised and their links no longer work.',
};

export function contactsRoutes(contacts: ContactsService, opts: { importMaxBytes: number }) {
  const r = Router();
  r.use(importRoutes(contacts, opts.importMaxBytes));
  r.use(segmentsRoutes(contacts));

  async function listPage(workspaceId: string, query: Record<string, unknown>) {
    let filter: ContactFilter = filterFromInput(query);
    let segment: { id: string; name: string } | undefined;
    if (typeof query.segment === 'string' && /^[0-9a-f-]{36}$/i.test(query.segment)) {
      const s = await contacts.segments.get(workspaceId, query.segment);
      segment = { id: s.id, name: s.name };
      filter = { ...s.filter, ...filter };
    }
    const cursor = typeof query.after === 'string' ? query.after : undefined;
    const [page, segments] = await Promise.all([
      contacts.page(workspaceId, cursor, filter),
      contacts.segments.names(workspaceId),
    ]);
    const qs = new URLSearchParams(filterToQuery(filter)).toString();
    return {
      title: 'Contacts',
      ...page,
      filter,
      filtered: !isEmptyFilter(filter),
      filterText: describeFilter(filter),
      filterPairs: filterToQuery(filter),
      filterQs: qs,
      segment,
      segments,
      statuses: STATUSES,
      bands: SCORE_BANDS,
    };
  }

  r.get('/contacts', async (req, res) => {
    const notice = savedNotice(req.query) ?? NOTICES[String(req.query.done)];
    res.render('contacts/list', {
      ...(await listPage(auth(req).workspace.id, req.query)),
      values: {},
      errors: {},
      notice,
    });
  });

  // Every form on the list page draws the page again, with the list, when it is refused.
  const listForm = (req: Request) => listPage(auth(req).workspace.id, {});
  const saved = ({ added, updated }: { added: number; updated: number }) =>
    `/contacts?added=${added}&updated=${updated}`;

  r.post(
    '/contacts',
    ...handleForm({
      view: 'contacts/list',
      page: listForm,
      schema: contactSchema,
      run: async (input, req) => saved(await contacts.addOne(auth(req).workspace.id, input)),
    }),
  );

  r.post(
    '/contacts/paste',
    ...handleForm({
      view: 'contacts/list',
      page: listForm,
      schema: pastedContactsSchema,
      run: async ({ lines }, req) =>
        saved(await contacts.addPasted(auth(req).workspace.id, parsePastedContacts(lines))),
    }),
  );

  async function contactPage(req: Request, id: string) {
    const { workspace } = auth(req);
    const [contact, timeline, teammates] = await Promise.all([
      contacts.get(workspace.id, id),
      contacts.timeline(workspace.id, id),
      contacts.teammates(workspace.id),
    ]);
    return { title: contact.name || contact.email, contact, timeline, teammates, locales: LOCALES };
  }
  const contactValues = (c: Awaited<ReturnType<ContactsService['get']>>) => ({
    name: c.name,
    email: c.email,
    locale: c.locale ?? '',
    ownerUserId: c.ownerUserId ?? '',
    tags: c.tags.join(', '),
    properties: Object.entries(c.properties)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  });

  r.get('/contacts/:id', async (req, res) => {
    const locals = await contactPage(req, idParam(req.params.id, 'contact'));
    res.render('contacts/show', {
      ...locals,
      values: contactValues(locals.contact),
      errors: {},
      notice: req.query.saved ? 'Saved.' : undefined,
      confirmErase: req.query.confirm === 'erase',
    });
  });

  r.post(
    '/contacts/:id',
    ...handleForm({
      view: 'contacts/show',
      page: (req) => contactPage(req, idParam(req.params.id, 'contact')),
      schema: contactFormSchema,
      run: async (input, req) => {
        const id = idParam(req.params.id, 'contact');
        await contacts.update(auth(req).workspace.id, id, input);
        return `/contacts/${id}?saved=1`;
      },
    }),
  );

  r.get('/contacts/:id/export.json', async (req, res) => {
    const id = idParam(req.params.id, 'contact');
    const data = await contacts.exportAll(auth(req).workspace.id, id);
    res.attachment(`contact-${id}.json`);
    res.type('application/json').send(JSON.stringify(data, null, 2));
  });

  const action = (path: string, use: (workspaceId: string, id: string) => Promise<void>, to: (id: string) => string) =>
    r.post(
      `/contacts/:id/${path}`,
      ...recordAction('contact', async (workspaceId, id) => {
        await use(workspaceId, id);
        return to(id);
      }),
    );
  action('suppress', contacts.suppress, (id) => `/contacts/${id}`);
  action('unsuppress', contacts.unsuppress, (id) => `/contacts/${id}`);
  action('delete', contacts.remove, () => '/contacts?done=deleted');

  // Erasure cannot be undone: the form asks for a ticked confirmation, and without it nothing happens.
  r.post(
    '/contacts/:id/erase',
    ...handleForm({
      schema: confirmSchema,
      run: async ({ confirm }, req) => {
        const id = idParam(req.params.id, 'contact');
        if (!confirm) return `/contacts/${id}?confirm=erase`;
        await contacts.erase(auth(req).workspace.id, id);
        return '/contacts?done=erased';
      },
    }),
  );

  return r;
}
