import { Router, type Request } from 'express';
import { handleForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { auth, confirmedAction, recordAction } from '../accounts';
import {
  confirmSchema,
  contactFormSchema,
  contactSchema,
  LOCALE_NAMES,
  LOCALES,
  parsePastedContacts,
  pastedContactsSchema,
  STATUSES,
} from './contacts.schemas';
import { CONTACT_SORTS, type ContactSort } from './contacts.repository';
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
import { who as actorOf } from '../audit';

// Only numbers travel in the URL: a link can never put words of its own on our page.
const savedNotice = (q: Record<string, unknown>) => {
  const added = Number(q.added),
    known = Number(q.known);
  if (!Number.isInteger(added) || !Number.isInteger(known)) return undefined;
  return `Saved: ${added} added${known ? `, ${known} already known (left as they were)` : ''}.`;
};

const SORT_LABELS: Record<ContactSort, string> = {
  newest: 'Newest first',
  name: 'Name (A–Z)',
  answered: 'Last answer (most recent first)',
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
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const sort = CONTACT_SORTS.find((s) => s === query.sort) ?? 'newest';
    const [page, segments] = await Promise.all([
      contacts.page(workspaceId, { filter, sort, after: text(query.after), before: text(query.before) }),
      contacts.segments.names(workspaceId),
    ]);
    // The links to other pages keep the filter, the segment and the order.
    const keep: [string, string][] = [...filterToQuery(filter)];
    if (segment) keep.push(['segment', segment.id]);
    if (sort !== 'newest') keep.push(['sort', sort]);
    const qs = new URLSearchParams(filterToQuery(filter)).toString();
    const pageLink = (dir: 'after' | 'before', cursor: string) =>
      `/contacts?${new URLSearchParams([...keep, [dir, cursor]]).toString()}`;
    return {
      title: 'Contacts',
      ...page,
      filter,
      filtered: !isEmptyFilter(filter),
      filterText: describeFilter(filter),
      filterPairs: filterToQuery(filter),
      filterQs: qs,
      sortOptions: SORT_LABELS,
      nextHref: page.next && pageLink('after', page.next),
      previousHref: page.previous && pageLink('before', page.previous),
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
  const saved = ({ added, known }: { added: number; known: number }) => `/contacts?added=${added}&known=${known}`;

  r.post(
    '/contacts',
    ...handleForm({
      view: 'contacts/list',
      page: listForm,
      schema: contactSchema,
      run: async (input, req) => {
        const { knownId } = await contacts.addOne(auth(req).workspace.id, input);
        return knownId ? `/contacts/${knownId}?known=1` : saved({ added: 1, known: 0 });
      },
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
    return {
      title: contact.name || contact.email,
      contact,
      timeline,
      teammates,
      locales: LOCALES,
      localeNames: LOCALE_NAMES,
    };
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
      notice: req.query.saved
        ? 'Saved.'
        : req.query.known
          ? 'This email is already one of your contacts: here they are. Nothing was changed.'
          : undefined,
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
    const data = await contacts.exportAll(auth(req).workspace.id, id, actorOf(req));
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

  const removal = confirmedAction(
    'contact',
    async (req) => {
      const c = await contacts.get(auth(req).workspace.id, idParam(req.params.id, 'contact'));
      const who = c.name ? `${c.name} (${c.email})` : c.email;
      return {
        title: `Delete ${who}?`,
        facts: [`${who} leaves your contacts: no survey or reply is sent to them any more.`],
        keeps: [
          'Their answers stay in the dashboards, without their name.',
          c.status === 'subscribed'
            ? 'Nothing else: adding them again later makes a new contact.'
            : `Their address stays on the suppression list (${c.status}), as a one-way hash: a later import never emails them.`,
          'To remove their personal data from answers too, use Erase on their page instead.',
        ],
        button: 'Delete contact',
        danger: true,
        cancel: `/contacts/${c.id}`,
      };
    },
    async (workspaceId, id) => {
      await contacts.remove(workspaceId, id);
      return '/contacts?done=deleted';
    },
  );
  r.get('/contacts/:id/delete', removal.show);
  r.post('/contacts/:id/delete', ...removal.act);

  // Erasure cannot be undone: the form asks for a ticked confirmation, and without it nothing happens.
  r.post(
    '/contacts/:id/erase',
    ...handleForm({
      schema: confirmSchema,
      run: async ({ confirm }, req) => {
        const id = idParam(req.params.id, 'contact');
        if (!confirm) return `/contacts/${id}?confirm=erase`;
        await contacts.erase(auth(req).workspace.id, id, actorOf(req));
        return '/contacts?done=erased';
      },
    }),
  );

  return r;
}
