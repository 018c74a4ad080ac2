import { z } from 'zod';
import { allValues } from '../../platform/forms';

/** The Settings form that makes a key: a name a person will recognise, and what it may do. */
export const newKeySchema = z.object({
  name: z
    .string({ error: 'Name the key (what uses it).' })
    .trim()
    .min(1, 'Name the key (what uses it), e.g. "Helpdesk".')
    .max(80, 'Use at most 80 characters for the name.'),
  scopes: z
    .unknown()
    .transform(allValues)
    .pipe(
      z
        .array(z.enum(['read', 'write'], { error: 'Choose read, write or both.' }))
        .min(1, 'Choose at least one: read, write or both.'),
    )
    .transform((s) => [...new Set(s)]),
});
export type NewKeyInput = z.infer<typeof newKeySchema>;

/** Settings → API keys: the survey the Delighted-compatible door speaks of ('' for "the oldest NPS survey"). */
export const delightedChoiceSchema = z.object({
  surveyId: z
    .string()
    .trim()
    .default('')
    .transform((v) => v || null)
    .pipe(z.uuid('Choose one of your NPS surveys.').nullable()),
});
