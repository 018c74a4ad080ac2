import { Router } from 'express';
import { formView } from '../../platform/http';
import { auth } from '../accounts';
import type { ContactsService } from './contacts.service';

// Only numbers travel in the URL: a link can never put words of its own on our page.
const savedNotice = (q: Record<string, unknown>) => {
  const added = Number(q.added), updated = Number(q.updated);
  if (!Number.isInteger(added) || !Number.isInteger(updated)) return undefined;
  return `Saved: ${added} added, ${updated} already known (updated).`;
};

export function contactsRoutes(contacts: ContactsService) {
  const r = Router();

  // Every form on the page re-renders the page, with the list, when it is refused.
  const withList = formView('contacts/list');
  const listLocals = async (workspaceId: string, cursor?: string) => ({ title: 'Contacts', ...(await contacts.page(workspaceId, cursor)) });

  r.get('/contacts', async (req, res) => {
    const cursor = typeof req.query.after === 'string' ? req.query.after : undefined;
    res.render('contacts/list', { ...(await listLocals(auth(req).workspace.id, cursor)), values: {}, errors: {}, notice: savedNotice(req.query) });
  });

  r.post('/contacts', withList, async (req, res) => {
    const { workspace } = auth(req);
    Object.assign(res.locals, await listLocals(workspace.id));
    const { added, updated } = await contacts.addOne(workspace.id, req.body);
    res.redirect(303, `/contacts?added=${added}&updated=${updated}`);
  });

  r.post('/contacts/paste', withList, async (req, res) => {
    const { workspace } = auth(req);
    Object.assign(res.locals, await listLocals(workspace.id));
    const { added, updated } = await contacts.addPasted(workspace.id, String(req.body.lines ?? ''));
    res.redirect(303, `/contacts?added=${added}&updated=${updated}`);
  });

  return r;
}
