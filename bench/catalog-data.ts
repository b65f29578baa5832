// A catalog of N offers built with a few set-based statements (no import needed): 20 categories,
// 10 shops (one of them not taking orders), 4 parameters per offer, 2% of offers withdrawn.
// Names mix Russian and Latin words like real price lists: "Смартфон Samsung X123 128GB (красный)".
import pg from 'pg';

export const CATEGORY_TYPES = [
  ['Смартфоны', 'Смартфон'],
  ['Телевизоры', 'Телевизор'],
  ['Ноутбуки', 'Ноутбук'],
  ['Планшеты', 'Планшет'],
  ['Наушники', 'Наушники'],
  ['Смарт-часы', 'Смарт-часы'],
  ['Мониторы', 'Монитор'],
  ['Клавиатуры', 'Клавиатура'],
  ['Мыши', 'Мышь'],
  ['Фотоаппараты', 'Фотоаппарат'],
  ['Колонки', 'Колонка'],
  ['Роутеры', 'Роутер'],
  ['Принтеры', 'Принтер'],
  ['Холодильники', 'Холодильник'],
  ['Пылесосы', 'Пылесос'],
  ['Микроволновые печи', 'Микроволновая печь'],
  ['Чайники', 'Чайник'],
  ['Кофемашины', 'Кофемашина'],
  ['Игровые консоли', 'Игровая консоль'],
  ['Видеокарты', 'Видеокарта'],
] as const;

const BRANDS = [
  'Apple',
  'Samsung',
  'Xiaomi',
  'Sony',
  'LG',
  'Huawei',
  'Lenovo',
  'Asus',
  'Philips',
  'Bosch',
];
const COLORS = [
  'черный',
  'белый',
  'красный',
  'синий',
  'золотистый',
  'серебристый',
  'зеленый',
  'розовый',
];
const SHOPS = 10;

const arr = (xs: readonly string[]) => `array[${xs.map((x) => `'${x}'`).join(',')}]`;

/** Fills an empty, migrated database; answers the id of a category (for filter benchmarks). */
export async function seedCatalog(url: string, offers: number): Promise<{ categoryId: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(
      `insert into users (email, password_hash, type, is_active)
       select 'bench-shop-' || g || '@example.com', 'unusable', 'shop', true from generate_series(1, ${SHOPS}) g`,
    );
    await client.query(
      `insert into shops (user_id, name, state)
       select id, 'Магазин ' || id, id <> (select max(id) from users) from users order by id`,
    );
    await client.query(
      `insert into categories (name) select unnest(${arr(CATEGORY_TYPES.map((c) => c[0]))})`,
    );
    await client.query(
      `insert into shop_categories (shop_id, category_id, external_id)
       select s.id, c.id, c.id from shops s cross join categories c`,
    );
    // Goods i = 1..N: category i % 20, brand, colour and memory vary independently of it.
    await client.query(`
      create temporary table goods on commit drop as
      select i,
        (select id from categories order by id offset (i % 20) limit 1) as category_id,
        (${arr(CATEGORY_TYPES.map((c) => c[1]))})[i % 20 + 1] as kind,
        (${arr(BRANDS)})[(i / 20) % 10 + 1] as brand,
        (${arr(COLORS)})[(i / 200) % 8 + 1] as color,
        (array[32, 64, 128, 256, 512])[(i / 1600) % 5 + 1] as memory,
        round(5 + (i % 30) / 10.0, 1)::text as diagonal,
        (array['1920x1080', '2688x1242', '1792x828', '3840x2160'])[i % 4 + 1] as resolution
      from generate_series(1, ${offers}) i`);
    await client.query(`
      insert into products (name, category_id)
      select kind || ' ' || brand || ' X' || i || ' ' || memory || 'GB (' || color || ')', category_id
      from goods order by i`);
    await client.query(`
      insert into offers (shop_id, product_id, category_id, external_id, model, price, price_rrc,
                          quantity, withdrawn, search_text, parameters)
      select s.id, p.id, g.category_id, 4000000 + g.i, lower(g.brand) || '/x' || g.i,
             1000 + (g.i::bigint * 7919) % 200000, 1100 + (g.i::bigint * 7919) % 200000, g.i % 13, g.i % 50 = 0,
             p.name || ' ' || lower(g.brand) || '/x' || g.i || ' ' || g.color || ' ' || g.memory || ' '
               || g.diagonal || ' ' || g.resolution,
             jsonb_build_array(
               jsonb_build_object('name', 'Цвет', 'value', g.color),
               jsonb_build_object('name', 'Встроенная память (Гб)', 'value', g.memory::text),
               jsonb_build_object('name', 'Диагональ (дюйм)', 'value', g.diagonal),
               jsonb_build_object('name', 'Разрешение (пикс)', 'value', g.resolution))
      from goods g
      join products p on p.name = g.kind || ' ' || g.brand || ' X' || g.i || ' ' || g.memory || 'GB ('
        || g.color || ')' and p.category_id = g.category_id
      join shops s on s.id = (select min(id) from shops) + (g.i / 3) % ${SHOPS}`);
    await client.query('commit');
    await client.query('vacuum analyze');
    const { rows } = await client.query<{ id: number }>(
      `select id from categories where name = 'Смартфоны'`,
    );
    return { categoryId: rows[0]!.id };
  } finally {
    await client.end();
  }
}

/** Drops and re-creates the database named in `url` (connecting to `postgres` on the same server). */
export async function recreateDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[\w-]+$/.test(name)) throw new Error(`refusing odd database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}
