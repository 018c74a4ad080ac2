import type { Db } from '../../platform/db';
import { filterCondition, parseStoredFilter } from './segment.filter';
import { segmentsRepository } from './segments.repository';

/**
 * A saved segment as a SQL condition on a contacts alias, for a schedule's audience. A segment deleted
 * since the schedule was saved matches nobody: a schedule never silently widens to everyone.
 */
export async function segmentAudience(db: Db, workspaceId: string, segmentId: string, alias = 'c') {
  const segment = await segmentsRepository(db).find(workspaceId, segmentId);
  if (!segment) return { found: false, sql: 'FALSE', replacements: {} as Record<string, unknown> };
  return { found: true, ...filterCondition(parseStoredFilter(segment.filter), alias, 'seg') };
}
