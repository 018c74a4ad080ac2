import { createDb } from './src/platform/db';
import { QueryTypes } from 'sequelize';
(async () => {
  const db = createDb('postgres://postgres@127.0.0.1:5432/test');
  const r = await db.sequelize.query(`SELECT $1::uuid[] AS ids, $2::bytea[] AS hs, cardinality($3::text[]) AS n, :x AS x`, { bind: [['9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'], [Buffer.from('abc')], ["a'b", 'c,d"']], type: QueryTypes.SELECT });
  console.log(r);
  await db.close();
})();
