import type { Request } from 'express';
import { Router } from 'express';
import busboy from 'busboy';
import { formView } from '../../../platform/http';
import { invalid } from '../../../platform/errors';
import { idParam } from '../../../platform/validation';
import { auth } from '../../accounts';
import { splitTags } from '../contacts.schemas';
import type { ContactsService } from '../contacts.service';
import type { ColumnTarget } from './import.repository';
import { propertyKey } from './sniff';

const TARGETS = ['email', 'name', 'first_name', 'last_name', 'locale', 'owner', 'tags', 'property', 'ignore'] as const;
export const TARGET_LABELS: Record<(typeof TARGETS)[number], string> = {
  email: 'Email',
  name: 'Name',
  first_name: 'First name',
  last_name: 'Last name',
  locale: 'Locale (en, fr, de, es)',
  owner: 'Owner (teammate email or name)',
  tags: 'Tags (comma-separated)',
  property: 'Property',
  ignore: 'Do not import',
};

function readMapping(body: Record<string, unknown>, headers: string[]): ColumnTarget[] {
  return headers.map((h, i) => {
    const to = String(body[`col.${i}`] ?? 'ignore') as (typeof TARGETS)[number];
    if (to === 'property') return { to, key: propertyKey(String(body[`key.${i}`] ?? '') || h) };
    return { to: (TARGETS as readonly string[]).includes(to) ? to : 'ignore' } as ColumnTarget;
  });
}

/**
 * Streams the one file of a multipart upload into `handle`, never buffering it. The form's CSRF token comes
 * in the URL (see app.ts): the body is only read here, after the CSRF check.
 */
function receiveUpload(
  req: Request,
  maxBytes: number,
  handle: (filename: string, file: NodeJS.ReadableStream & { truncated?: boolean }) => Promise<string>,
) {
  return new Promise<string>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, parts: 12 } });
    } catch {
      return reject(invalid('Choose a CSV file to upload.', { file: 'Choose a file.' }));
    }
    let work: Promise<string> | undefined;
    bb.on('file', (_field, file, info) => {
      if (work || !info.filename) {
        file.resume();
        return;
      }
      work = handle(info.filename, file as never);
      work.then(resolve, (err) => {
        // A refused file stops being parsed; the rest of the request is read and dropped so we can answer.
        req.unpipe(bb);
        req.resume();
        reject(err);
      });
    });
    bb.on('close', () => {
      if (!work) reject(invalid('Choose a CSV file to upload.', { file: 'Choose a file.' }));
    });
    bb.on('error', () => reject(invalid('The upload was cut off. Try again.', { file: 'Upload incomplete.' })));
    req.pipe(bb);
  });
}

export function importRoutes(contacts: ContactsService, maxBytes: number) {
  const r = Router();
  const imports = contacts.imports;
  const uploadView = formView('contacts/import-new');

  r.get('/contacts/imports', async (req, res) => {
    res.render('contacts/import-new', {
      title: 'Import contacts',
      recent: await imports.recent(auth(req).workspace.id),
      values: {},
      errors: {},
      maxMb: Math.round(maxBytes / 2 ** 20),
    });
  });

  r.post('/contacts/imports', uploadView, async (req, res) => {
    const { workspace, user } = auth(req);
    Object.assign(res.locals, {
      recent: await imports.recent(workspace.id),
      maxMb: Math.round(maxBytes / 2 ** 20),
      title: 'Import contacts',
    });
    if (!req.is('multipart/form-data')) throw invalid('Choose a CSV file to upload.', { file: 'Choose a file.' });
    const id = await receiveUpload(req, maxBytes, (filename, file) =>
      imports.upload(workspace.id, user.id, filename, file as never),
    );
    res.redirect(303, `/contacts/imports/${id}`);
  });

  const renderJob = async (
    req: Request,
    res: import('express').Response,
    mapping?: ColumnTarget[],
    errors: Record<string, string> = {},
    addTags = '',
  ) => {
    const { workspace } = auth(req);
    const id = idParam(req.params.id, 'import');
    const { job, mapping: shown, rows } = await imports.preview(workspace.id, id, mapping);
    const running = job.status === 'running' && !job.stale;
    res.status(Object.keys(errors).length ? 422 : 200).render('contacts/import-job', {
      title: `Import — ${job.filename}`,
      job,
      mapping: shown,
      rows,
      errors,
      addTags,
      targets: TARGETS,
      targetLabels: TARGET_LABELS,
      refreshSeconds: running ? 1 : 0,
      percent:
        job.status === 'done'
          ? 100
          : job.bytesTotal
            ? Math.min(99, Math.floor((100 * job.bytesDone) / job.bytesTotal))
            : 0,
    });
  };

  r.get('/contacts/imports/:id', (req, res) => renderJob(req, res));

  r.post('/contacts/imports/:id', async (req, res) => {
    const { workspace } = auth(req);
    const id = idParam(req.params.id, 'import');
    const job = await imports.load(workspace.id, id);
    const mapping = readMapping(req.body ?? {}, job.headers);
    const addTags = String(req.body?.addTags ?? '');
    if (req.body?.action !== 'import') return renderJob(req, res, mapping, {}, addTags);
    try {
      await imports.start(workspace.id, id, mapping, splitTags(addTags).slice(0, 10));
    } catch (err) {
      const e = err as { status?: number; message: string };
      if (e.status !== 422 && e.status !== 409) throw err;
      return renderJob(req, res, mapping, { _form: e.message }, addTags);
    }
    res.redirect(303, `/contacts/imports/${id}`);
  });

  r.get('/contacts/imports/:id/refusals.csv', async (req, res) => {
    const job = await imports.load(auth(req).workspace.id, idParam(req.params.id, 'import'));
    res.type('text/csv; charset=utf-8');
    res.attachment(
      `refused-rows-${job.filename
        .replace(/\.csv$/i, '')
        .replace(/[^\w.-]+/g, '_')
        .slice(0, 60)}.csv`,
    );
    imports.refusalsCsv(job.id).pipe(res);
  });

  return r;
}
