import { z } from 'zod';
import { LOCALES, STATUSES } from '../contacts';
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
