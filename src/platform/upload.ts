import type { Readable } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import busboy from 'busboy';
import { invalid } from './errors';
import { cleanText } from './text';

/** The one file of a multipart form, handed to the route unread: only the fields before it have been read. */
export type Upload = {
  field: string;
  filename: string;
  /** The file's bytes as they arrive; `truncated` once more than the limit came (the rest is dropped). */
  file: Readable & { truncated?: boolean };
  /** Settles once the whole form has been read; rejects (the cut-off refusal) when it was cut off or malformed. */
  complete: Promise<void>;
  /** Whether the form was cut off, malformed or abandoned by the client (the file then fails with the same). */
  readonly broken: boolean;
};

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      upload?: Upload;
    }
  }
}

/** The refusal of a form cut off or malformed on the way: a person can only choose the file again. */
export const cutOffUpload = (field = 'file') =>
  invalid('The upload was cut off or malformed, so nothing was kept. Choose the file again.', {
    [field]: 'Upload incomplete.',
  });

/**
 * Reads a multipart form as it arrives: its text fields into `req.body` until the file part begins, then hands
 * over to the next middleware with the file unread in `req.upload`. The CSRF check comes next and finds the
 * form's `_csrf` field in `req.body` like any other form's — so the form must put its hidden token BEFORE the
 * file input (a token after the file is not seen: 403). A refused token (or role, or anything answered before
 * the route reads the file) therefore never reads the file: the rest of the request is read and dropped once
 * the answer is sent. Nothing is buffered here; the route streams `file` (or reads a small one whole with
 * `readWhole`) and awaits `complete` before it keeps anything.
 *
 * A form cut off or malformed before its file is a 422; after it, `file` fails and `complete` rejects with the
 * same refusal. Every stream's 'error' is handled (busboy emits "Unexpected end of form" on the *file* stream
 * of a truncated body, and an unheard 'error' there ends the process). A body with no boundary cannot be read
 * at all: it goes on with an empty body (the token may still come in the X-CSRF-Token header).
 */
export const uploadForm =
  (maxBytes: number) =>
  (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) return next();
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, parts: 12 } });
    } catch {
      return next();
    }
    const body: Record<string, string> = {};
    let upload: Upload | undefined;
    let handed = false;
    let broken = false;
    let ended!: () => void;
    let failed!: (err: unknown) => void;
    const complete = new Promise<void>((ok, fail) => {
      ended = ok;
      failed = fail;
    });
    // Awaited by the route that reads the file; a form refused before that has nobody to hear it.
    complete.catch(() => undefined);
    const drop = () => {
      req.unpipe(bb);
      req.resume();
    };
    const hand = (err?: unknown) => {
      if (handed) return;
      handed = true;
      req.body = body;
      req.upload = upload;
      next(err);
    };
    const fail = () => {
      if (broken) return;
      broken = true;
      const err = cutOffUpload(upload?.field);
      failed(err);
      // A route still reading the file stops at once, with the same reason.
      upload?.file.destroy(err);
      // busboy reports a malformed part header and goes on parsing: stop feeding it, drop the rest.
      drop();
      hand(err);
    };
    bb.on('field', (name, value) => {
      body[name] = cleanText(value);
    });
    bb.on('file', (field, stream, info) => {
      // Its failures are the form's (fail below) or the route's; never an unheard 'error'.
      stream.on('error', () => undefined);
      // One file; nothing after a failure (a file part behind a malformed one must not start anything).
      if (upload || broken || !info.filename) {
        stream.resume();
        return;
      }
      upload = {
        field,
        filename: cleanText(info.filename),
        file: stream,
        complete,
        get broken() {
          return broken;
        },
      };
      hand();
    });
    bb.on('error', fail);
    bb.on('finish', () => {
      ended();
      hand();
    });
    req.on('error', fail);
    req.on('close', () => {
      if (!req.complete) fail();
    });
    // Whatever answered — a refused token or role, the route's refusal or its success — nothing more is parsed.
    res.on('finish', drop);
    req.pipe(bb);
  };

/** A small file read whole once its form is complete (`truncated`: it was over the limit, and nothing is kept). */
export async function readWhole(upload: Upload): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  for await (const chunk of upload.file) chunks.push(chunk as Buffer);
  await upload.complete;
  const truncated = upload.file.truncated === true;
  return { bytes: truncated ? Buffer.alloc(0) : Buffer.concat(chunks), truncated };
}
