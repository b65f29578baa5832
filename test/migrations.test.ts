// Migrations that move data, run on a database that holds some: the schema before them, rows
// written as the code of that time wrote them, then the rest of the migrations. PGlite only (a
// fresh embedded database per test), whatever TEST_DATABASE_URL says: the SQL is the same.
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const folder = join(import.meta.dirname, '..', 'drizzle');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The migrations folder cut after `tag`: the schema as it was then. */
function migrationsUntil(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  dirs.push(dir);
  cpSync(folder, dir, { recursive: true });
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const end = journal.entries.findIndex((e) => e.tag === tag);
  expect(end).toBeGreaterThanOrEqual(0);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

describe('migration 0006 (parameters onto their offers)', () => {
  it('keeps every value, in the order the API showed them, and empty lists for the rest', async () => {
    const client = new PGlite();
    const db = drizzle({ client });
    await migrate(db, { migrationsFolder: migrationsUntil('0005_catalog_epoch') });
    await client.exec(`
      insert into users (email, password_hash, type) values ('s@example.com', 'x', 'shop');
      insert into shops (user_id, name) select id, 'S' from users;
      insert into categories (name) values ('C');
      insert into products (name, category_id) select 'P', id from categories;
      insert into offers (shop_id, product_id, category_id, external_id, price, price_rrc, quantity)
        select s.id, p.id, p.category_id, e, 1, 1, 1 from shops s, products p, generate_series(1, 3) e;
      -- Ids in a different order than names: the API listed them by id.
      insert into parameters (name) values ('Цвет'), ('Smart TV'), ('Диагональ (дюйм)');
      insert into offer_parameters (offer_id, parameter_id, value)
        select o.id, pa.id, case pa.name when 'Цвет' then 'черный' when 'Smart TV' then 'true' else '6.5' end
        from offers o, parameters pa where o.external_id = 1;
      insert into offer_parameters (offer_id, parameter_id, value)
        select o.id, pa.id, '"quoted" \\ back'
        from offers o, parameters pa where o.external_id = 2 and pa.name = 'Smart TV';
    `);
    await migrate(db, { migrationsFolder: folder });
    const { rows } = await client.query<{ external_id: number; parameters: unknown }>(
      'select external_id::int, parameters from offers order by external_id',
    );
    expect(rows).toEqual([
      {
        external_id: 1,
        parameters: [
          { name: 'Цвет', value: 'черный' },
          { name: 'Smart TV', value: 'true' },
          { name: 'Диагональ (дюйм)', value: '6.5' },
        ],
      },
      { external_id: 2, parameters: [{ name: 'Smart TV', value: '"quoted" \\ back' }] },
      { external_id: 3, parameters: [] },
    ]);
    const { rows: tables } = await client.query(
      `select table_name from information_schema.tables
       where table_schema = 'public' and table_name in ('parameters', 'offer_parameters')`,
    );
    expect(tables).toEqual([]);
    await client.close();
  });
});
