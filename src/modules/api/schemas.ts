import { z } from 'zod';
import { contactUpsertSchema, LOCALES, STATUSES } from '../contacts';
import { LANGUAGES } from '../surveys';
import { QUESTION_TYPES, BANDS } from '../surveys/questions';

/**
 * What the API answers, as zod schemas: the OpenAPI document is generated from them (openapi.ts), and the
 * tests validate every answer they see against that document.
 */
const timestamp = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601, UTC' });
const nullableTimestamp = timestamp.nullable();

export const uuidParams = z.object({ id: z.uuid() });

export const contactOut = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    locale: z.enum(LOCALES).nullable(),
    ownerId: z.uuid().nullable(),
    tags: z.array(z.string()),
    properties: z.record(z.string(), z.string()),
    status: z.enum(STATUSES).meta({ description: 'Only "subscribed" contacts are ever invited.' }),
    lastInvitedAt: nullableTimestamp,
    lastAnsweredAt: nullableTimestamp,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Contact' });

export const contactSummaryOut = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    status: z.enum(STATUSES),
    tags: z.array(z.string()),
    ownerId: z.uuid().nullable(),
    lastInvitedAt: nullableTimestamp,
    createdAt: timestamp,
  })
  .meta({ id: 'ContactSummary' });

/** A page of a list: `nextCursor` is null on the last page; pass it as `cursor` for the next. */
export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() }).meta({ id });

export const contactListQuery = z.object({
  cursor: z.string().max(200).optional().meta({ description: "From the previous page's nextCursor." }),
  email: z.string().max(254).optional().meta({ description: 'Exactly this address (any case).' }),
  q: z.string().max(100).optional().meta({ description: 'Name or email contains.' }),
  tag: z.string().max(200).optional().meta({ description: 'Comma-separated tags; a contact must have all of them.' }),
  status: z.enum(STATUSES, { error: `Use one of: ${STATUSES.join(', ')}.` }).optional(),
});

export const questionOut = z
  .object({
    id: z.string(),
    type: z.enum(QUESTION_TYPES),
    text: z.string(),
    required: z.boolean(),
    lowLabel: z.string().optional(),
    highLabel: z.string().optional(),
    choices: z.array(z.string()).optional(),
    showIf: z.object({ bands: z.array(z.enum(BANDS)) }).optional(),
    /** The question in the survey's other languages; choices keyed by the default-language choice. */
    translations: z
      .partialRecord(
        z.enum(LANGUAGES),
        z
          .object({
            text: z.string(),
            lowLabel: z.string(),
            highLabel: z.string(),
            choices: z.record(z.string(), z.string()),
          })
          .partial(),
      )
      .optional(),
  })
  .meta({ id: 'Question' });

export const surveyOut = z
  .object({
    id: z.uuid(),
    title: z.string(),
    template: z.string(),
    language: z.enum(LANGUAGES),
    status: z.enum(['active', 'archived']),
    version: z.number().int(),
    closesAt: nullableTimestamp,
    createdAt: timestamp,
    responses: z.number().int().optional(),
    questions: z.array(questionOut),
  })
  .meta({ id: 'Survey' });

export const surveyListOut = z.object({ data: z.array(surveyOut) }).meta({ id: 'SurveyList' });

export const problemOut = z
  .object({
    type: z.string().meta({ description: 'Stable per kind of error: /api/v1/docs#<code>.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    field: z.string().optional().meta({ description: 'The first wrong field.' }),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

const propertyValue = z.union([
  z.string().max(500, 'A value is at most 500 characters.'),
  z.number(),
  z.boolean(),
  z.null(),
]);

/** The event-triggered invitation: who, why, and when. */
export const invitationIn = z
  .object({
    contact: contactUpsertSchema,
    event: z
      .string()
      .trim()
      .min(1, 'Name the event, e.g. "ticket.solved", or leave it out.')
      .max(100, 'Use at most 100 characters for the event.')
      .optional()
      .meta({ description: 'What happened in your system, e.g. "ticket.solved". Recorded on the answer.' }),
    properties: z
      .record(z.string().min(1).max(40, 'A property name is at most 40 characters.'), propertyValue)
      .refine((p) => Object.keys(p).length <= 50, 'Use at most 50 properties.')
      .optional()
      .meta({ description: "The event's details (ticket id, agent…), recorded with the invitation and its answer." }),
    delaySeconds: z
      .number({ error: 'Use a whole number of seconds.' })
      .int('Use a whole number of seconds.')
      .min(0, 'The delay cannot be negative.')
      .max(30 * 86400, 'Delay at most 30 days (2,592,000 seconds).')
      .optional()
      .meta({ description: 'Send this long after now ("2 hours after the ticket was solved": 7200).' }),
    reminders: z
      .object({
        count: z.number().int().min(0, 'Use 0, 1 or 2 reminders.').max(2, 'Use 0, 1 or 2 reminders.'),
        days: z.number().int().min(1, 'Remind after 1 to 30 days.').max(30, 'Remind after 1 to 30 days.').default(3),
      })
      .optional()
      .meta({ description: 'Reminders to someone who has not answered (none unless asked).' }),
  })
  .meta({ id: 'InvitationInput' });

export const invitationOut = z
  .object({
    outcome: z.enum(['queued', 'throttled', 'suppressed']).meta({
      description:
        'queued: it will leave at sendAt. throttled: the contact was invited within the workspace throttle. suppressed: the contact unsubscribed, bounced or is suppressed.',
    }),
    invitation: z.object({ id: z.uuid(), status: z.string(), sendAt: timestamp, sentAt: nullableTimestamp }).nullable(),
    survey: z.object({ id: z.uuid(), version: z.number().int() }),
    contact: contactOut,
    event: z.string().nullable(),
    properties: z.record(z.string(), propertyValue),
  })
  .meta({ id: 'Invitation' });

export const cancelledOut = z
  .object({ invitations: z.number().int(), reminders: z.number().int() })
  .meta({ id: 'Cancelled' });

const isoQuery = (what: string) =>
  z.iso
    .datetime({ offset: true, error: `${what}: use an ISO 8601 time like 2026-01-31T00:00:00Z.` })
    .transform((v) => new Date(v))
    .optional();

export const responseListQuery = z.object({
  surveyId: z.uuid('Use the id of one of your surveys.').optional(),
  since: isoQuery('since').meta({ description: 'Submitted at or after.' }),
  until: isoQuery('until').meta({ description: 'Submitted before.' }),
  updatedSince: isoQuery('updatedSince').meta({
    description: 'Changed at or after (incremental sync): the list is then ordered by updatedAt.',
  }),
  band: z
    .string()
    .max(100)
    .refine(
      (v) => v.split(',').every((b) => (BANDS as readonly string[]).includes(b.trim())),
      `Use bands among: ${BANDS.join(', ')}.`,
    )
    .transform((v) => v.split(',').map((b) => b.trim()))
    .optional()
    .meta({ description: 'Comma-separated score bands: detractor, passive, promoter (NPS) or low, high.' }),
  order: z.enum(['asc', 'desc'], { error: 'Use asc or desc.' }).default('asc'),
  limit: z.coerce
    .number({ error: 'Use a number from 1 to 100.' })
    .int('Use a whole number from 1 to 100.')
    .min(1, 'Use a number from 1 to 100.')
    .max(100, 'Use a number from 1 to 100.')
    .default(50),
  cursor: z.string().max(200).optional(),
});

export const responseOut = z
  .object({
    id: z.uuid(),
    surveyId: z.uuid(),
    surveyVersion: z.number().int(),
    contact: z.object({ id: z.uuid(), email: z.string(), name: z.string() }).nullable(),
    score: z.number().int().nullable(),
    band: z.enum(BANDS).nullable(),
    comment: z.string().nullable(),
    answers: z.record(z.string(), z.unknown()),
    locale: z.string().nullable(),
    completed: z.boolean(),
    submittedAt: timestamp,
    updatedAt: timestamp,
    invitation: z
      .object({
        id: z.uuid(),
        kind: z.enum(['manual', 'scheduled', 'event']),
        event: z.string().nullable(),
        properties: z.record(z.string(), z.unknown()).nullable(),
      })
      .nullable()
      .meta({ description: 'The invitation it answers (null for a public link): for an event, which event asked.' }),
  })
  .meta({ id: 'Response' });

const estimate = z
  .object({
    value: z.number().nullable(),
    low: z.number().nullable(),
    high: z.number().nullable(),
    n: z.number().int(),
    method: z.enum(['nps', 'wilson', 't']),
  })
  .meta({ id: 'Estimate', description: 'A number with its 95 % interval (null without answers).' });

export const metricsQuery = z.object({
  from: z.iso.date('from: use a date like 2026-01-31.').optional().meta({ description: 'First day (UTC), inclusive.' }),
  to: z.iso.date('to: use a date like 2026-01-31.').optional().meta({ description: 'Last day (UTC), inclusive.' }),
  version: z.coerce.number().int().min(1).max(9999).optional(),
});

export const metricsOut = z
  .object({
    surveyId: z.uuid(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    responses: z.number().int(),
    questions: z.array(
      z.object({
        id: z.string(),
        type: z.enum(QUESTION_TYPES),
        text: z.string(),
        answered: z.number().int(),
        headline: estimate.nullable().meta({ description: 'NPS, CSAT % satisfied, or the mean (CES, rating).' }),
        mean: estimate.nullable(),
        bands: z
          .object({ promoters: z.number().int(), passives: z.number().int(), detractors: z.number().int() })
          .nullable(),
        distribution: z.array(z.object({ label: z.string(), n: z.number().int(), pct: z.number().nullable() })),
      }),
    ),
  })
  .meta({ id: 'Metrics' });
