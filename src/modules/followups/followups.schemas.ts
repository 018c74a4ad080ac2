import { z } from 'zod';
import { allValues, textField } from '../../platform/forms';

/** `overdue`: open unhappy answers past the workspace's response-time target, the longest wait first. */
export const STATUSES = ['open', 'overdue', 'closed', 'all'] as const;
export const OWNERS = ['mine', 'unassigned', 'everyone'] as const;
export const INBOX_BANDS = ['detractor', 'passive', 'promoter', 'low', 'high'] as const;

/** The sets of unhappy conversations a loop measure counts, each an inbox view (`?loop=`). */
export const LOOP_SETS = ['unhappy', 'replied', 'unreplied', 'late', 'wroteBack', 'rescued'] as const;

/** The inbox's filters come from the URL: anything unknown falls back to the default, never an error page. */
export const inboxFilterSchema = z.object({
  status: z.enum(STATUSES).catch('open'),
  owner: z.enum(OWNERS).catch('everyone'),
  band: z.enum(INBOX_BANDS).optional().catch(undefined),
  survey: z.uuid().optional().catch(undefined),
  /** Which answers: the workspace's setting (inboxSetting.ts) unless the URL asks for the other. */
  answers: z.enum(['worth', 'every']).optional().catch(undefined),
  // The conversations behind a loop measure (measures.ts): which, over which days, whose.
  loop: z.enum(LOOP_SETS).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
  ownerId: z.uuid().optional().catch(undefined),
});
export type InboxFilter = z.infer<typeof inboxFilterSchema>;

/** A message a teammate writes: required (`ask` says so), trimmed, at most `max` characters. */
const written = (ask: string, what: string, max: number) =>
  z
    .string({ error: ask })
    .trim()
    .min(1, ask)
    .max(max, `Keep ${what} under ${max.toLocaleString('en')} characters.`);

export const replySchema = z.object({
  body: written('Write your reply.', 'the reply', 5000),
  close: z.literal('1').optional().catch(undefined),
});

/** Closing, a teammate may leave one line the contact's next invitation carries, signed with their name. */
export const closeSchema = z.object({
  closingLine: z
    .string()
    .optional()
    .transform((v) => v?.replace(/\s+/g, ' ').trim() ?? '')
    .pipe(z.string().max(200, 'Keep the line under 200 characters: it is one line in an email.')),
});

export const savedReplySchema = z.object({
  title: written('Give it a short title.', 'the title', 80),
  body: written('Write the reply.', 'the reply', 5000),
});

export const noteSchema = z.object({ note: written('Write the note.', 'the note', 2000) });

export const assignSchema = z.object({
  ownerUserId: z.union([z.literal(''), z.uuid('Choose a teammate from this workspace.')], {
    error: 'Choose a teammate from this workspace.',
  }),
});

/** One-click starters: they only prefill the reply box; the teammate writes the message. */
export const STARTERS: Record<string, string> = {
  help: 'How can I help?',
  sorry: "I'm sorry — ",
  thanks: 'Thank you!',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The inbox's ticked rows (checkboxes named `ids`) and the view to go back to. */
export const bulkCloseSchema = z.object({
  ids: z
    .unknown()
    .optional()
    .transform(allValues)
    .pipe(
      z.array(z.string().regex(UUID, 'Choose answers from the list.')).max(100, 'Close at most 100 answers at once.'),
    ),
  back: textField,
});

/** A "You said, we did" update: the theme and where it came from ride along from the comment feed. */
export const themeUpdateSchema = z.object({
  survey: z.uuid('Open the update from a theme of a survey’s comments.'),
  question: z.string().trim().min(1).max(100),
  theme: z.string().trim().min(1, 'Choose a theme first.').max(200),
  body: written('Write what you did about it.', 'the update', 5000),
});

export const themeQuerySchema = z.object({
  survey: z.uuid(),
  question: z.string().trim().min(1).max(100),
  theme: z.string().trim().min(1).max(200),
});
