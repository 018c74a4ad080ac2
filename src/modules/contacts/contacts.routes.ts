import { Router, type Request, type Response } from 'express';
import { formView } from '../../platform/http';
import { idParam } from '../../platform/validation';
import { auth } from '../accounts';
import { LOCALES, STATUSES } from './contacts.schemas';
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

  // Every form on the page re-renders the page, with the list, when it is refused.
  const withList = formView('contacts/list');
  async function listLocals(workspaceId: string, query: Record<string, unknown>) {
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
      ...(await listLocals(auth(req).workspace.id, req.query)),
      values: {},
      errors: {},
      notice,
    });
  });

  r.post('/contacts', withList, async (req, res) => {
    const { workspace } = auth(req);
    Object.assign(res.locals, await listLocals(workspace.id, {}));
    const { added, updated } = await contacts.addOne(workspace.id, req.body);
    res.redirect(303, `/contacts?added=${added}&updated=${updated}`);
  });

  r.post('/contacts/paste', withList, async (req, res) => {
    const { workspace } = auth(req);
    Object.assign(res.locals, await listLocals(workspace.id, {}));
    const { added, updated } = await contacts.addPasted(workspace.id, String(req.body.lines ?? ''));
    res.redirect(303, `/contacts?added=${added}&updated=${updated}`);
  });

  async function contactLocals(req: Request, id: string) {
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
    const locals = await contactLocals(req, idParam(req.params.id, 'contact'));
    res.render('contacts/show', {
      ...locals,
      values: contactValues(locals.contact),
      errors: {},
      notice: req.query.saved ? 'Saved.' : undefined,
      confirmErase: req.query.confirm === 'erase',
    });
  });

  r.post('/contacts/:id', formView('contacts/show'), async (req: Request, res: Response) => {
    const id = idParam(req.params.id, 'contact');
    Object.assign(res.locals, await contactLocals(req, id));
    await contacts.update(auth(req).workspace.id, id, req.body);
    res.redirect(303, `/contacts/${id}?saved=1`);
  });

  r.get('/contacts/:id/export.json', async (req, res) => {
    const id = idParam(req.params.id, 'contact');
    const data = await contacts.exportAll(auth(req).workspace.id, id);
    res.attachment(`contact-${id}.json`);
    res.type('application/json').send(JSON.stringify(data, null, 2));
  });

  const action = (path: string, run: (workspaceId: string, id: string) => Promise<void>, to: (id: string) => string) =>
    r.post(`/contacts/:id/${path}`, async (req, res) => {
      const id = idParam(req.params.id, 'contact');
      await run(auth(req).workspace.id, id);
      res.redirect(303, to(id));
    });
  action('suppress', contacts.suppress, (id) => `/contacts/${id}`);
  action('unsuppress', contacts.unsuppress, (id) => `/contacts/${id}`);
  action('delete', contacts.remove, () => '/contacts?done=deleted');

  // Erasure cannot be undone: the form asks for a ticked confirmation, and without it nothing happens.
  r.post('/contacts/:id/erase', async (req, res) => {
    const id = idParam(req.params.id, 'contact');
    if (req.body?.confirm !== 'on') return res.redirect(303, `/contacts/${id}?confirm=erase`);
    await contacts.erase(auth(req).workspace.id, id);
    res.redirect(303, '/contacts?done=erased');
  });

  return r;
}
