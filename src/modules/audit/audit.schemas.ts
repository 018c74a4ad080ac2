import { z } from 'zod';

const day = (label: string) =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .refine(
      (v) => v === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))),
      `${label}: enter a date like 2026-03-01.`,
    );

/** The audit log's filters, from the query string (a link can be shared). Empty means "any". */
export const auditFiltersSchema = z
  .object({
    actor: z
      .string()
      .optional()
      .transform((v) => v || undefined)
      .pipe(z.uuid({ error: 'Choose someone from the list.' }).optional()),
    action: z
      .string()
      .max(100, 'Choose an action from the list.')
      .optional()
      .transform((v) => v || undefined),
    from: day('From'),
    to: day('To'),
    cursor: z.string().max(200).optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'To must be on or after From.', path: ['to'] });
export type AuditFiltersInput = z.infer<typeof auditFiltersSchema>;

export const auditRetentionSchema = z.object({
  days: z.coerce
    .number({ error: 'Enter a number of days.' })
    .int('Enter a whole number of days.')
    .min(30, 'Keep the log at least 30 days.')
    .max(3650, 'Keep the log at most 3,650 days (ten years).'),
});
