import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import { AppError, invalid } from '../../../platform/errors';
import { handleForm, showForm } from '../../../platform/forms';
import type { Upload } from '../../../platform/upload';
import { idParam } from '../../../platform/validation';
import { auth } from '../../accounts';
import type { ContactsService } from '../contacts.service';
import type { ColumnTarget } from './import.repository';
import { mappingFormSchema, TARGET_LABELS, TARGETS, toMapping } from './import.schemas';
import { isHistory } from './import.service';

const chooseFile = () => invalid('Choose a CSV file to upload.', { file: 'Choose a file.' });
const cutOff = () =>
  invalid('The upload was cut off before the end of the file, so nothing was imported. Try again.', {
    file: 'Upload incomplete.',
  });

/**
 * Streams the form's file (read by platform/upload.ts up to the file, its token checked before a byte of the
 * file was read) into `handle`, never buffering it. `handle` awaits `complete` before it keeps anything, so a
 * form cut off after the file leaves no import behind.
 */
async function receiveUpload(
  req: Request,
  handle: (filename: string, file: Upload['file'], complete: Promise<void>) => Promise<string>,
) {
  const upload = req.upload;
  if (!upload) throw chooseFile();
  try {
    return await handle(upload.filename, upload.file, upload.complete);
  } catch (err) {
    throw upload.broken ? cutOff() : err;
  }
}

export function importRoutes(contacts: ContactsService, maxBytes: number) {
  const r = Router();
  const imports = contacts.imports;
  const uploadPage = async (req: Request) => ({
    title: 'Import contacts',
    recent: await imports.recent(auth(req).workspace.id),
    maxMb: Math.round(maxBytes / 2 ** 20),
  });

  r.get('/contacts/imports', showForm('contacts/import-new', uploadPage));

  r.post(
    '/contacts/imports',
    ...handleForm({
      view: 'contacts/import-new',
      page: uploadPage,
      // The file is streamed (never parsed into req.body): see platform/upload.ts, mounted for this path in app.ts.
      run: async (_input, req) => {
        const { workspace, user } = auth(req);
        const id = await receiveUpload(req, (filename, file, complete) =>
          imports.upload(workspace.id, user.id, filename, file, complete),
        );
        return `/contacts/imports/${id}`;
      },
    }),
  );

  /** The job's page: its progress, or the mapping (as chosen, else our guess) with a preview of the first rows. */
  const jobPage = async (
    req: Request,
    chosen?: { mapping: ColumnTarget[]; addTags: string; survey: string | null },
  ) => {
    const id = idParam(req.params.id, 'import');
    const {
      job,
      mapping: shown,
      rows,
      surveys,
    } = await imports.preview(auth(req).workspace.id, id, chosen?.mapping, chosen?.survey ?? undefined);
    const running = job.status === 'running' && !job.stale;
    return {
      title: `Import — ${job.filename}`,
      job,
      mapping: shown,
      rows,
      errors: {},
      addTags: chosen?.addTags ?? '',
      // A file of past answers: the surveys they can go into (the only one preselected when there is one).
      history: isHistory(shown),
      surveys,
      survey: chosen?.survey ?? (surveys.length === 1 ? surveys[0]!.id : ''),
      targets: TARGETS,
      targetLabels: TARGET_LABELS,
      refreshSeconds: running ? 1 : 0,
      percent:
        job.status === 'done'
          ? 100
          : job.bytesTotal
            ? Math.min(99, Math.floor((100 * job.bytesDone) / job.bytesTotal))
            : 0,
    };
  };
  /** The mapping form as sent, completed from the job's own columns. */
  const chosen = async (req: Request) => {
    const form = mappingFormSchema.parse(req.body ?? {});
    const job = await imports.load(auth(req).workspace.id, idParam(req.params.id, 'import'));
    return { ...form, mapping: toMapping(form.columns, job.headers) };
  };

  r.get('/contacts/imports/:id', async (req, res) => {
    res.render('contacts/import-job', await jobPage(req));
  });

  r.post(
    '/contacts/imports/:id',
    ...handleForm({
      view: 'contacts/import-job',
      page: async (req) => jobPage(req, await chosen(req)),
      schema: mappingFormSchema,
      run: async (form, req, res) => {
        const { mapping, addTags } = await chosen(req);
        // "Preview" draws the job again with this mapping; only "Import" starts it.
        if (form.action !== 'import')
          return res.render('contacts/import-job', await jobPage(req, { mapping, addTags, survey: form.survey }));
        const id = idParam(req.params.id, 'import');
        try {
          await imports.start(auth(req).workspace.id, id, mapping, form.tags, form.survey);
        } catch (err) {
          // Started already (a second click): said on the same page, like any refused mapping.
          if (err instanceof AppError && err.status === 409) throw invalid(err.message);
          throw err;
        }
        return `/contacts/imports/${id}`;
      },
    }),
  );

  r.get('/contacts/imports/:id/refusals.csv', async (req, res) => {
    const job = await imports.load(auth(req).workspace.id, idParam(req.params.id, 'import'));
    res.type('text/csv; charset=utf-8');
    res.attachment(
      `refused-rows-${job.filename
        .replace(/\.csv$/i, '')
        .replace(/[^\w.-]+/g, '_')
        .slice(0, 60)}.csv`,
    );
    // pipeline: a database error mid-file or a client hanging up ends both streams, never the process.
    await pipeline(imports.refusalsCsv(job.id), res).catch((err: Error) => {
      if (!res.headersSent) throw err;
      res.destroy();
    });
  });

  return r;
}
