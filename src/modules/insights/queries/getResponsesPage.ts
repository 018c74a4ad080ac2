import type { Db } from '../../../platform/db';
import { responsesInScope, type Scope } from '../scope';

export type ResponseRow = {
  id: string;
  submittedAt: Date;
  cursorAt: string;
  version: number;
  score: number | null;
  answers: Record<string, unknown>;
  completed: boolean;
  contactName: string | null;
  contactEmail: string | null;
};

/** The responses in scope, newest first, keyset-paged on (submitted_at, id): every page costs the same. */
export function getResponsesPage(db: Db, scope: Scope, after: { at: string; id: string } | undefined, limit: number) {
  const raw = responsesInScope(scope);
  return db.query<ResponseRow>(
    `SELECT r.id, r.submitted_at AS "submittedAt", r.submitted_at::text AS "cursorAt", r.survey_version AS version, r.score,
       r.answers, r.completed_at IS NOT NULL AS completed, c.name AS "contactName", c.email AS "contactEmail"
     ${raw.sql} LEFT JOIN contacts c ON c.id = r.contact_id
     WHERE ${raw.where}
       AND (:afterAt::timestamptz IS NULL OR (r.submitted_at, r.id) < (:afterAt::timestamptz, :afterId::uuid))
     ORDER BY r.submitted_at DESC, r.id DESC LIMIT :limit`,
    { ...raw.replacements, afterAt: after?.at ?? null, afterId: after?.id ?? null, limit },
  );
}
