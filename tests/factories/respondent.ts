import type { Db } from '../../src/platform/db';
import { hashToken, newToken, type Sealer } from '../../src/platform/tokens';
import type { Question } from '../../src/modules/surveys/questions';

/**
 * Surveys, contacts and deliveries written straight to the database, so response-page tests can use any
 * question type without the builder UI.
 */
export async function seedWorkspace(db: Db, o: { name?: string; senderName?: string } = {}) {
  const row = await db.one<{ id: string }>(
    `INSERT INTO workspaces (name, sender_name, postal_address) VALUES (:name, :sender, '1 Main St, Springfield') RETURNING id`,
    { name: o.name ?? 'Acme', sender: o.senderName ?? 'Valeria at Acme' },
  );
  return row!.id;
}

export type SurveySeed = {
  questions: Question[];
  title?: string;
  language?: string;
  status?: 'active' | 'archived';
  closesAt?: string;
  thankYouUrl?: string;
  publicLinkEnabled?: boolean;
};

export async function seedSurvey(db: Db, workspaceId: string, s: SurveySeed) {
  const row = await db.one<{ id: string }>(
    `INSERT INTO surveys (workspace_id, title, template, language, status, closes_at, thank_you_url, public_link_enabled)
     VALUES (:workspaceId, :title, 'custom', :language, :status, :closesAt, :thankYouUrl, :publicLinkEnabled) RETURNING id`,
    {
      workspaceId,
      title: s.title ?? 'How are we doing?',
      language: s.language ?? 'en',
      status: s.status ?? 'active',
      closesAt: s.closesAt ?? null,
      thankYouUrl: s.thankYouUrl ?? null,
      publicLinkEnabled: s.publicLinkEnabled ?? false,
    },
  );
  await db.execute(`INSERT INTO survey_versions (survey_id, version, questions) VALUES (:id, 1, :questions)`, {
    id: row!.id,
    questions: JSON.stringify(s.questions),
  });
  return row!.id;
}

let seq = 0;

/** One invited contact: returns the plain token, as the email would carry it. */
export async function seedDelivery(
  db: Db,
  sealer: Sealer,
  workspaceId: string,
  surveyId: string,
  contact: { email?: string; locale?: string } = {},
) {
  const email = contact.email ?? `person${++seq}-${Date.now()}@example.com`;
  const c = await db.one<{ id: string }>(
    `INSERT INTO contacts (workspace_id, email, name, locale) VALUES (:workspaceId, :email, 'Pat', :locale) RETURNING id`,
    { workspaceId, email, locale: contact.locale ?? null },
  );
  const w = await db.one<{ id: string }>(
    `INSERT INTO waves (workspace_id, survey_id, survey_version, kind) VALUES (:workspaceId, :surveyId, 1, 'manual') RETURNING id`,
    { workspaceId, surveyId },
  );
  const token = newToken();
  const d = await db.one<{ id: string }>(
    `INSERT INTO deliveries (workspace_id, wave_id, contact_id, token_hash, token_sealed, status, sent_at)
     VALUES (:workspaceId, :waveId, :contactId, :hash, :sealed, 'sent', now()) RETURNING id`,
    { workspaceId, waveId: w!.id, contactId: c!.id, hash: hashToken(token), sealed: sealer.seal(token) },
  );
  return { token, deliveryId: d!.id, contactId: c!.id };
}

export const NPS_SURVEY: Question[] = [
  {
    id: 'nps',
    type: 'nps',
    text: 'How likely are you to recommend us?',
    required: true,
    lowLabel: 'Not at all likely',
    highLabel: 'Extremely likely',
  },
  { id: 'help', type: 'long_text', text: 'How can I help?', required: false, showIf: { bands: ['detractor'] } },
  { id: 'reason', type: 'long_text', text: 'What is the main reason for your score?', required: false },
];

export const EVERY_TYPE: Question[] = [
  { id: 'sat', type: 'csat', text: 'How satisfied are you?', required: true },
  { id: 'fix', type: 'long_text', text: 'What should we fix first?', required: true, showIf: { bands: ['low'] } },
  { id: 'effort', type: 'ces', text: 'How easy was it?', required: false },
  { id: 'stars', type: 'rating', text: 'Rate the docs', required: false },
  { id: 'again', type: 'yes_no', text: 'Would you buy again?', required: false },
  { id: 'plan', type: 'single_choice', text: 'Which plan?', required: false, choices: ['Free', 'Pro', 'Team & more'] },
  {
    id: 'used',
    type: 'multiple_choice',
    text: 'What did you use?',
    required: false,
    choices: ['Chat', 'Email', 'Phone'],
  },
  { id: 'role', type: 'short_text', text: 'Your role', required: false },
  { id: 'comment', type: 'long_text', text: 'Anything else?', required: false },
];
