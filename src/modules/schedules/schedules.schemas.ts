import { z } from 'zod';
import { PRESETS } from './slots';

const intField = (min: number, max: number, message: string) =>
  z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);

/** "vip, beta" → ["vip", "beta"] */
const tagsField = z
  .string()
  .default('')
  .transform((s) => [
    ...new Set(
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.string().max(60, 'Tags are at most 60 characters.')).max(20, 'Use at most 20 tags.'));

/** One "key = value" per line → { key: "value" } */
const propertiesField = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const [i, raw] of s.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (!line) continue;
      const cut = line.indexOf('=');
      if (cut < 1) {
        ctx.addIssue({ code: 'custom', message: `Line ${i + 1}: write it as key = value.` });
        return z.NEVER;
      }
      out[line.slice(0, cut).trim()] = line.slice(cut + 1).trim();
    }
    return out;
  });

export const scheduleFormSchema = z
  .object({
    name: z.string().trim().max(100, 'Use at most 100 characters.').default(''),
    preset: z.enum([...PRESETS.map((p) => p.key), 'custom'], { error: 'Choose when to send.' }).default('custom'),
    cron: z.string().trim().max(100, 'That expression is too long.').default(''),
    timeZone: z.string().trim().min(1, 'Choose a time zone.'),
    cadence: z.enum(['everyone', 'rolling'], { error: 'Choose who is asked each time.' }).default('everyone'),
    cycleDays: z.string().trim().default(''),
    reminderCount: intField(0, 2, 'Choose 0, 1 or 2 reminders.').default(1),
    reminderDays: intField(1, 30, 'Wait 1 to 30 days before a reminder.').default(3),
    segmentId: z
      .string()
      .trim()
      .default('')
      .refine(
        (v) => v === '' || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
        'Choose one of the segments listed.',
      ),
    tags: tagsField,
    properties: propertiesField,
    endsOn: z
      .string()
      .trim()
      .default('')
      .refine((s) => s === '' || /^\d{4}-\d{2}-\d{2}$/.test(s), 'Use a date like 2027-06-30, or leave it empty.'),
  })
  .transform((v, ctx) => {
    const cron = v.preset === 'custom' ? v.cron : PRESETS.find((p) => p.key === v.preset)!.cron;
    if (!cron) ctx.addIssue({ code: 'custom', path: ['cron'], message: 'Enter a cron expression or pick a preset.' });
    let cycleDays: number | null = null;
    if (v.cadence === 'rolling') {
      cycleDays = Number(v.cycleDays);
      if (!Number.isInteger(cycleDays) || cycleDays < 1 || cycleDays > 730) {
        ctx.addIssue({ code: 'custom', path: ['cycleDays'], message: 'Ask each contact every 1 to 730 days.' });
      }
    }
    return { ...v, cron, cycleDays };
  });
export type ScheduleForm = z.infer<typeof scheduleFormSchema>;
