import { Router } from 'express';
import { formView } from '../../platform/http';
import { idParam } from '../../platform/validation';
import { auth } from '../accounts';
import type { ContactsService } from './contacts.service';
import { describeFilter, filterFromInput, filterToQuery } from './segment.filter';

export function segmentsRoutes(contacts: ContactsService) {
  const r = Router();
  const listLocals = async (workspaceId: string) => ({
    title: 'Segments',
    segments: await contacts.segments.list(workspaceId),
    describeFilter,
    filterToQuery,
  });

  r.get('/contacts/segments', async (req, res) => {
    res.render('contacts/segments', { ...(await listLocals(auth(req).workspace.id)), values: {}, errors: {} });
  });

  /** Saves the contact list's current filter (sent as hidden fields) under a name. */
  r.post('/contacts/segments', formView('contacts/segments'), async (req, res) => {
    const { workspace } = auth(req);
    Object.assign(res.locals, await listLocals(workspace.id));
    await contacts.segments.create(workspace.id, String(req.body?.name ?? ''), filterFromInput(req.body ?? {}));
    res.redirect(303, '/contacts/segments');
  });

  r.post('/contacts/segments/:id/delete', async (req, res) => {
    await contacts.segments.remove(auth(req).workspace.id, idParam(req.params.id, 'segment'));
    res.redirect(303, '/contacts/segments');
  });

  const suppressionLocals = async (workspaceId: string) => {
    const [counts, latest] = await Promise.all([
      contacts.suppressions.counts(workspaceId),
      contacts.suppressions.latest(workspaceId),
    ]);
    return { title: 'Suppression list', counts, latest };
  };

  r.get('/contacts/suppressions', async (req, res) => {
    const added = Number(req.query.added);
    res.render('contacts/suppressions', {
      ...(await suppressionLocals(auth(req).workspace.id)),
      values: {},
      errors: {},
      added: Number.isInteger(added) ? added : undefined,
    });
  });

  r.post('/contacts/suppressions', formView('contacts/suppressions'), async (req, res) => {
    const { workspace } = auth(req);
    Object.assign(res.locals, await suppressionLocals(workspace.id), { added: undefined });
    const added = await contacts.suppressions.add(workspace.id, String(req.body?.emails ?? ''));
    res.redirect(303, `/contacts/suppressions?added=${added}`);
  });

  return r;
}
