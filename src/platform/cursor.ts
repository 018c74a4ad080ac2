/**
 * Keyset pagination's cursor: the last row's sort key (a timestamp as PostgreSQL wrote it, microseconds
 * included) and id, opaque in the URL. A mangled cursor starts from the first page.
 */
export const encodeKeyCursor = (key: string, id: string) =>
  Buffer.from(JSON.stringify([key, id])).toString('base64url');

export const encodeCursor = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url');

/** A cursor whose sort key is any text (a name), not only a timestamp; a mangled one is the first page. */
export function decodeKeyCursor(cursor: unknown): { key: string; id: string } | undefined {
  if (typeof cursor !== 'string' || !cursor || cursor.length > 2000) return undefined;
  try {
    const [key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof key === 'string' && typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) return { key, id };
  } catch {
    // Not ours: the first page.
  }
  return undefined;
}

export function decodeCursor(cursor: unknown): { at: string; id: string } | undefined {
  if (typeof cursor !== 'string' || !cursor) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (
      typeof at === 'string' &&
      !Number.isNaN(Date.parse(at)) &&
      typeof id === 'string' &&
      /^[0-9a-f-]{36}$/i.test(id)
    )
      return { at, id };
  } catch {
    // Not ours: the first page.
  }
  return undefined;
}
