import type { Db } from '../../../platform/db';

export type FeedRow = {
  id: string;
  surveyId: string;
  surveyVersion: number;
  contactId: string | null;
  contactEmail: string | null;
  contactName: string | null;
  contactProperties: Record<string, string> | null;
  score: number | null;
  band: string | null;
  comment: string | null;
  answers: Record<string, unknown>;
  locale: string | null;
  completed: boolean;
  submittedAt: Date;
  updatedAt: Date;
  deliveryId: string | null;
  event: string | null;
  eventProperties: Record<string, unknown> | null;
  waveKind: string | null;
  /** The sort key as PostgreSQL wrote it (microseconds kept), for the cursor. */
  cursorAt: string;
};

export type FeedQuery = {
  workspaceId: string;
  surveyId?: string;
  contactId?: string;
  /** submitted_at window, [since, until). */
  since?: Date;
  until?: Date;
  /** Changed at or after (incremental sync): the feed is then ordered by updated_at. */
  updatedSince?: Date;
  updatedUntil?: Date;
  bands?: string[];
  /** By submission (the default) or by last change (always so with updatedSince). */
  orderBy?: 'submitted' | 'updated';
  order: 'asc' | 'desc';
  after?: { at: string; id: string };
  offset?: number;
  limit: number;
};

/**
 * A workspace's responses for other systems (the API, incremental sync): with the band of the score, the
 * contact, and the event that asked (the invitation's wave). Keyset-paged on (submitted_at or updated_at, id);
 * an offset is there only for the Delighted-compatible door, whose clients page by number.
 */
export function getResponsesFeed(db: Db, q: FeedQuery) {
  const at = q.updatedSince || q.orderBy === 'updated' ? 'r.updated_at' : 'r.submitted_at';
  const cmp = q.order === 'asc' ? '>' : '<';
  return db.query<FeedRow>(
    `SELECT r.id, r.survey_id AS "surveyId", r.survey_version AS "surveyVersion", r.contact_id AS "contactId",
       c.email AS "contactEmail", c.name AS "contactName", c.properties AS "contactProperties",
       r.score, CASE WHEN r.score IS NULL THEN NULL ELSE rapport_score_band(v.questions, r.score) END AS band,
       r.comment, r.answers, r.locale, r.completed_at IS NOT NULL AS completed,
       r.submitted_at AS "submittedAt", r.updated_at AS "updatedAt", r.delivery_id AS "deliveryId",
       w.event, w.event_properties AS "eventProperties", w.kind AS "waveKind", ${at}::text AS "cursorAt"
     FROM responses r
     JOIN survey_versions v ON v.survey_id = r.survey_id AND v.version = r.survey_version
     LEFT JOIN contacts c ON c.id = r.contact_id
     LEFT JOIN deliveries d ON d.id = r.delivery_id
     LEFT JOIN waves w ON w.id = d.wave_id
     WHERE r.workspace_id = :workspaceId
       AND (:surveyId::uuid IS NULL OR r.survey_id = :surveyId::uuid)
       AND (:contactId::uuid IS NULL OR r.contact_id = :contactId::uuid)
       AND (:since::timestamptz IS NULL OR r.submitted_at >= :since::timestamptz)
       AND (:until::timestamptz IS NULL OR r.submitted_at < :until::timestamptz)
       AND (:updatedSince::timestamptz IS NULL OR r.updated_at >= :updatedSince::timestamptz)
       AND (:updatedUntil::timestamptz IS NULL OR r.updated_at < :updatedUntil::timestamptz)
       AND (:noBands OR (r.score IS NOT NULL AND rapport_score_band(v.questions, r.score) IN (:bands)))
       AND (:afterAt::timestamptz IS NULL OR (${at}, r.id) ${cmp} (:afterAt::timestamptz, :afterId::uuid))
     ORDER BY ${at} ${q.order}, r.id ${q.order}
     LIMIT :limit OFFSET :offset`,
    {
      workspaceId: q.workspaceId,
      surveyId: q.surveyId ?? null,
      contactId: q.contactId ?? null,
      updatedUntil: q.updatedUntil ?? null,
      since: q.since ?? null,
      until: q.until ?? null,
      updatedSince: q.updatedSince ?? null,
      noBands: !q.bands?.length,
      bands: q.bands?.length ? q.bands : [''],
      afterAt: q.after?.at ?? null,
      afterId: q.after?.id ?? null,
      limit: q.limit,
      offset: q.offset ?? 0,
    },
  );
}
