import type { NextFunction, Request, Response } from 'express';
import busboy from 'busboy';
import { invalid } from './errors';
import { cleanText } from './text';

/** A small uploaded file, read whole (never more than the limit: `truncated` says it was larger, and was cut). */
export type SmallUpload = { field: string; filename: string; bytes: Buffer; truncated: boolean };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      upload?: SmallUpload;
    }
  }
}

/**
 * Reads a small multipart form (one file of at most `maxBytes`, a few text fields) into `req.body` and
 * `req.upload`, before the CSRF check: the form's token then travels in its body like any other form's, never in
 * the address bar. For anything else it does nothing. A file over the limit is cut there and marked `truncated`
 * (the route refuses it on its form); a cut-off or malformed body is a 422. Every stream's 'error' is handled, so
 * no upload can end the process.
 */
export const smallUpload =
  (maxBytes: number) =>
  (req: Request, _res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) return next();
    const broken = () => invalid('The upload was cut off or malformed. Choose the file again.', {});
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, parts: 12 } });
    } catch {
      return next(broken());
    }
    const body: Record<string, string> = {};
    let upload: SmallUpload | undefined;
    let settled = false;
    const done = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err) {
        // Stop parsing; read and drop the rest so the refusal can be answered.
        req.unpipe(bb);
        req.resume();
        return next(err);
      }
      req.body = body;
      req.upload = upload;
      next();
    };
    bb.on('field', (name, value) => {
      body[name] = cleanText(value);
    });
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      // A file stream fails only when the request under it does: the same refusal as a cut-off body.
      stream.on('error', () => done(broken()));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const truncated = (stream as { truncated?: boolean }).truncated === true;
        if (info.filename)
          upload = {
            field,
            filename: cleanText(info.filename),
            bytes: truncated ? Buffer.alloc(0) : Buffer.concat(chunks),
            truncated,
          };
      });
    });
    bb.on('error', () => done(broken()));
    bb.on('finish', () => done());
    req.on('error', () => done(broken()));
    req.on('close', () => {
      if (!req.complete) done(broken());
    });
    req.pipe(bb);
  };
