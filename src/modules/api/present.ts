import type { Estimate, FeedRow, Section } from '../insights';
import type { Contact } from '../contacts';
import type { Survey } from '../surveys';

/** Our rows as the API's JSON (schemas.ts): ISO timestamps, ids named for what they are. */
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The API shows a contact's own fields (how it is suppressed shows as its status). */
export const presentContact = (c: Omit<Contact, 'lastScoreBand' | 'suppression'>) => ({
  id: c.id,
  email: c.email,
  name: c.name,
  locale: c.locale,
  ownerId: c.ownerUserId,
  tags: c.tags,
  properties: c.properties,
  status: c.status,
  lastInvitedAt: iso(c.lastInvitedAt),
  lastAnsweredAt: iso(c.lastAnsweredAt),
  createdAt: iso(c.createdAt)!,
  updatedAt: iso(c.updatedAt)!,
});

export const presentContactSummary = (
  c: Pick<Contact, 'id' | 'email' | 'name' | 'status' | 'tags' | 'ownerUserId' | 'lastInvitedAt' | 'createdAt'>,
) => ({
  id: c.id,
  email: c.email,
  name: c.name,
  status: c.status,
  tags: c.tags,
  ownerId: c.ownerUserId,
  lastInvitedAt: iso(c.lastInvitedAt),
  createdAt: iso(c.createdAt)!,
});

export const presentSurvey = (s: Survey & { responses?: number }) => ({
  id: s.id,
  title: s.title,
  template: s.template,
  language: s.language,
  status: s.status,
  version: s.currentVersion,
  closesAt: iso(s.closesAt),
  createdAt: iso(s.createdAt)!,
  ...(s.responses !== undefined ? { responses: s.responses } : {}),
  questions: s.questions,
});

export { iso };

export const presentResponse = (r: FeedRow) => ({
  id: r.id,
  surveyId: r.surveyId,
  surveyVersion: r.surveyVersion,
  contact: r.contactId ? { id: r.contactId, email: r.contactEmail ?? '', name: r.contactName ?? '' } : null,
  score: r.score,
  band: r.band,
  comment: r.comment,
  answers: r.answers,
  locale: r.locale,
  completed: r.completed,
  submittedAt: iso(r.submittedAt)!,
  updatedAt: iso(r.updatedAt)!,
  invitation:
    r.deliveryId && r.waveKind
      ? { id: r.deliveryId, kind: r.waveKind, event: r.event, properties: r.eventProperties }
      : null,
});

const estimate = (e: Estimate) => ({ value: e.value, low: e.low, high: e.high, n: e.n, method: e.method });

export const presentSection = (s: Section) => ({
  id: s.question.id,
  type: s.question.type,
  text: s.question.text,
  answered: s.answered,
  headline: s.kind === 'scale' ? estimate(s.headline) : null,
  mean: s.kind === 'scale' ? estimate(s.mean) : null,
  bands: s.kind === 'scale' ? s.bands : null,
  distribution: s.kind === 'text' ? [] : s.kind === 'scale' ? s.distribution : s.bars,
});
