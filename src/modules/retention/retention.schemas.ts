import { z } from 'zod';

/** The Settings page's retention form: empty months turns it off (answers are kept forever). */
export const retentionSchema = z.object({
  months: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ error: 'Enter a number of months, or leave it empty to keep answers forever.' })
      .int('Enter a whole number of months.')
      .min(1, 'Keep answers at least 1 month, or leave it empty to keep them forever.')
      .max(240, 'Use at most 240 months (20 years), or leave it empty to keep answers forever.')
      .optional(),
  ),
  action: z.enum(['anonymise', 'delete'], { error: 'Choose whether old answers are anonymised or deleted.' }),
});
export type RetentionInput = z.infer<typeof retentionSchema>;
