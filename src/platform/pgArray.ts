/** A text[] literal for binding a list as one value (`:tags::text[]`): each element quoted and escaped. */
export const toPgArray = (items: string[]) =>
  `{${items.map((t) => `"${t.replace(/["\\]/g, (m) => `\\${m}`)}"`).join(',')}}`;
