import { Router, type Request } from 'express';
import { handleForm, showForm } from '../../platform/forms';
import { idParam } from '../../platform/validation';
import { auth, confirmedAction } from '../accounts';
import { emailListSchema, parseEmailList } from './contacts.schemas';
import type { ContactsService } from './contacts.service';
import { describeFilter, filterToQuery, segmentFormSchema } from './segment.filter';

export function segmentsRoutes(contacts: ContactsService) {
  const r = Router();
  const segmentsPage = async (req: Request) => ({
    title: 'Segments',
    segments: await contacts.segments.list(auth(req).workspace.id),
    describeFilter,
    filterToQuery,
  });

  r.get('/contacts/segments', showForm('contacts/segments', segmentsPage));

  /** Saves the contact list's current filter (sent as hidden fields) under a name. */
  r.post(
    '/contacts/segments',
    ...handleForm({
      view: 'contacts/segments',
      page: segmentsPage,
      schema: segmentFormSchema,
      run: async ({ name, filter }, req) => {
        await contacts.segments.create(auth(req).workspace.id, name, filter);
        return '/contacts/segments';
      },
    }),
  );

  const removal = confirmedAction(
    'segment',
    async (req) => {
      const s = await contacts.segments.get(auth(req).workspace.id, idParam(req.params.id, 'segment'));
      return {
        title: `Delete the segment “${s.name}”?`,
        facts: [
          'The saved filter is deleted.',
          'A schedule that sends to this segment then sends to nobody until you choose another audience for it.',
        ],
        keeps: ['Every contact in it: a segment is only a saved filter.', 'Answers, and waves already sent.'],
        button: 'Delete segment',
        danger: true,
        cancel: '/contacts/segments',
      };
    },
    async (workspaceId, id) => {
      await contacts.segments.remove(workspaceId, id);
      return '/contacts/segments';
    },
  );
  r.get('/contacts/segments/:id/delete', removal.show);
  r.post('/contacts/segments/:id/delete', ...removal.act);

  const suppressionsPage = async (req: Request) => {
    const workspaceId = auth(req).workspace.id;
    const [counts, latest] = await Promise.all([
      contacts.suppressions.counts(workspaceId),
      contacts.suppressions.latest(workspaceId),
    ]);
    return { title: 'Suppression list', counts, latest, added: undefined };
  };

  r.get('/contacts/suppressions', async (req, res) => {
    const added = Number(req.query.added);
    res.render('contacts/suppressions', {
      ...(await suppressionsPage(req)),
      values: {},
      errors: {},
      added: Number.isInteger(added) ? added : undefined,
    });
  });

  r.post(
    '/contacts/suppressions',
    ...handleForm({
      view: 'contacts/suppressions',
      page: suppressionsPage,
      schema: emailListSchema,
      run: async ({ emails }, req) => {
        const added = await contacts.suppressions.add(auth(req).workspace.id, parseEmailList(emails));
        return `/contacts/suppressions?added=${added}`;
      },
    }),
  );

  return r;
}
