import crypto from 'node:crypto';
import { Router, type Request } from 'express';
import { imageSize } from 'image-size';
import { z } from 'zod';
import type { Db } from '../../platform/db';
import { AppError, forbidden, invalid, notFound } from '../../platform/errors';
import { handleForm, type FormPage } from '../../platform/forms';
import { readWhole } from '../../platform/upload';
import { HEX_COLOR } from '../../platform/brand';
import { auth } from './auth.middleware';
import type { User } from './accounts.repository';

/** Largest logo accepted: plenty for a crisp 2× header logo, small enough for every email client. */
export const LOGO_MAX_BYTES = 256 * 1024;
const LOGO_MAX_SIDE = 4096;
/**
 * What a logo may be, by what its bytes say (never by its name or the browser's claim). SVG is refused: it can
 * carry script.
 */
const LOGO_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

export const brandColorSchema = z.object({
  action: z.enum(['save', 'reset']).catch('save'),
  brandColor: z
    .string({ error: 'Choose a colour.' })
    .trim()
    .toLowerCase()
    .regex(HEX_COLOR, 'Choose a colour as #rrggbb, e.g. #1f4fd1.')
    .optional(),
});

/** A logo's facts, read from its bytes: the type is sniffed, the size checked. */
export function checkLogo(bytes: Buffer) {
  const refuse = (why: string) => invalid(why, { logo: why });
  if (!bytes.length) throw refuse('Choose an image file for the logo.');
  if (bytes.length > LOGO_MAX_BYTES) throw refuse(`The logo must be at most ${LOGO_MAX_BYTES / 1024} KB.`);
  let info: { type?: string; width?: number; height?: number };
  try {
    info = imageSize(bytes);
  } catch {
    throw refuse('That file is not an image we can show. Upload a PNG, JPEG, GIF or WebP.');
  }
  const contentType = info.type ? LOGO_TYPES[info.type] : undefined;
  if (!contentType)
    throw refuse(
      info.type === 'svg'
        ? 'SVG logos are not accepted (they can carry scripts). Export it as a PNG.'
        : 'Upload a PNG, JPEG, GIF or WebP.',
    );
  const { width = 0, height = 0 } = info;
  if (width < 1 || height < 1 || width > LOGO_MAX_SIDE || height > LOGO_MAX_SIDE)
    throw refuse(`The logo must be at most ${LOGO_MAX_SIDE} × ${LOGO_MAX_SIDE} pixels.`);
  return { contentType, width, height, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}

const brandRepository = (db: Db) => ({
  setColor: (workspaceId: string, color: string | null) =>
    db.execute(`UPDATE workspaces SET brand_color = :color WHERE id = :workspaceId`, { workspaceId, color }),

  /** The logo and the workspace's pointer to it change together. */
  setLogo: (workspaceId: string, logo: ReturnType<typeof checkLogo> & { bytes: Buffer }) =>
    db.transaction(async (tx) => {
      await db.execute(
        `INSERT INTO workspace_logos (workspace_id, sha256, content_type, bytes, width, height)
         VALUES (:workspaceId, :sha256, :contentType, :bytes, :width, :height)
         ON CONFLICT (workspace_id) DO UPDATE SET sha256 = EXCLUDED.sha256, content_type = EXCLUDED.content_type,
           bytes = EXCLUDED.bytes, width = EXCLUDED.width, height = EXCLUDED.height, created_at = now()`,
        { workspaceId, ...logo },
        tx,
      );
      await db.execute(
        `UPDATE workspaces SET logo_sha256 = :sha256 WHERE id = :workspaceId`,
        { workspaceId, ...logo },
        tx,
      );
    }),

  removeLogo: (workspaceId: string) =>
    db.transaction(async (tx) => {
      await db.execute(`UPDATE workspaces SET logo_sha256 = NULL WHERE id = :workspaceId`, { workspaceId }, tx);
      await db.execute(`DELETE FROM workspace_logos WHERE workspace_id = :workspaceId`, { workspaceId }, tx);
    }),

  logoBySha: (sha256: string) =>
    db.one<{ contentType: string; bytes: Buffer }>(
      `SELECT content_type AS "contentType", bytes FROM workspace_logos WHERE sha256 = :sha256 LIMIT 1`,
      { sha256 },
    ),
});

const mayBrand = (actor: User) => {
  if (actor.role !== 'owner' && actor.role !== 'admin')
    throw forbidden('Only an owner or admin can change the brand colour and logo.');
};

/** The public URL of a logo (its content's hash: a new logo is a new URL, so it can be cached for ever). */
export const logoPath = (sha256: string) => `/brand/logo/${sha256}`;

/**
 * The logo itself, for anyone: respondents' pages and emails show it. Mounted before sessions (no cookie is
 * read or set). Any site may embed it (an email read in a webmail is another origin); its type is the sniffed
 * one and nosniff (helmet) keeps a browser from guessing another.
 */
export function logoRoute(db: Db) {
  const repo = brandRepository(db);
  const r = Router();
  r.get('/brand/logo/:sha256', async (req, res) => {
    const sha = String(req.params.sha256);
    if (!/^[0-9a-f]{64}$/.test(sha)) throw notFound('logo');
    const logo = await repo.logoBySha(sha);
    if (!logo) throw notFound('logo');
    res.set({
      'Content-Type': logo.contentType,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Content-Disposition': 'inline',
    });
    res.send(logo.bytes);
  });
  return r;
}

/** Settings → Brand: the colour, and the logo (uploaded as a small multipart form, see platform/upload.ts). */
export function brandRoutes(db: Db, settingsPage: FormPage) {
  const repo = brandRepository(db);
  const r = Router();
  const form = { view: 'accounts/settings', page: settingsPage };

  r.post(
    '/settings/brand',
    ...handleForm({
      ...form,
      schema: brandColorSchema,
      run: async (input, req: Request) => {
        const { user, workspace } = auth(req);
        mayBrand(user);
        if (input.action === 'save' && !input.brandColor)
          throw invalid('Choose a colour.', { brandColor: 'Choose a colour.' });
        await repo.setColor(workspace.id, input.action === 'reset' ? null : input.brandColor!);
        return '/settings?brand=1#brand';
      },
    }),
  );

  r.post(
    '/settings/logo',
    ...handleForm({
      ...form,
      run: async (_input, req: Request) => {
        const { user, workspace } = auth(req);
        mayBrand(user);
        // Read only now: the token (before the file in the form), the role and the workspace are checked first.
        const upload = req.upload?.field === 'logo' ? await readWhole(req.upload) : undefined;
        if (upload?.truncated) {
          const why = `The logo must be at most ${LOGO_MAX_BYTES / 1024} KB. Choose a smaller file.`;
          throw new AppError(413, 'too_large', why, { logo: why });
        }
        const bytes = upload?.bytes ?? Buffer.alloc(0);
        await repo.setLogo(workspace.id, { ...checkLogo(bytes), bytes });
        return '/settings?brand=1#brand';
      },
    }),
  );

  r.post(
    '/settings/logo/remove',
    ...handleForm({
      ...form,
      run: async (_input, req: Request) => {
        const { user, workspace } = auth(req);
        mayBrand(user);
        await repo.removeLogo(workspace.id);
        return '/settings?brand=1#brand';
      },
    }),
  );
  return r;
}
