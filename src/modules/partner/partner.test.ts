import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, createUser, type Harness } from '../../../test/harness.js';
import { offers, shops } from '../../platform/db/schema.js';
import { generatePriceList } from '../../../bench/generate-price-list.js';
import { IMPORT_BATCH } from '../catalog/index.js';
import { FIXTURE, importYaml, shopYaml } from './partner.test-helpers.js';

async function offersOf(h: Harness, shopId: number) {
  return h.database.db
    .select()
    .from(offers)
    .where(eq(offers.shopId, shopId))
    .orderBy(offers.externalId);
}

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

describe('POST /partner/update/', () => {
  it('imports shop1.yaml: 14 goods in 4 categories, values kept as written', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const res = await importYaml(h, shop, shopYaml());
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ categories: 4, created: 14, updated: 0, withdrawn: 0 });
    expect(body.shop.name).toMatch(/^Shop /);
    const rows = await offersOf(h, body.shop.id);
    expect(rows).toHaveLength(14);
    const iphone = rows.find((r) => r.externalId === 4216292)!;
    expect(iphone).toMatchObject({
      price: 110000,
      priceRrc: 116990,
      quantity: 14,
      model: 'apple/iphone/xs-max',
    });
    expect(iphone.searchText).toContain('Смартфон Apple iPhone XS Max');
    // In the order the file writes them, values as written.
    expect(iphone.parameters).toEqual([
      { name: 'Диагональ (дюйм)', value: '6.5' },
      { name: 'Разрешение (пикс)', value: '2688x1242' },
      { name: 'Встроенная память (Гб)', value: '512' },
      { name: 'Цвет', value: 'золотистый' },
    ]);
    const tv = rows.find((r) => r.parameters.some((p) => p.name === 'Smart TV'))!;
    expect(tv.parameters).toContainEqual({ name: 'Smart TV', value: 'true' });

    const again = await importYaml(
      h,
      shop,
      shopYaml().replace(/^shop: .*$/m, `shop: ${body.shop.name}`),
    );
    expect(again.json()).toMatchObject({ shop: body.shop, created: 0, updated: 0, withdrawn: 0 });
  });

  it('keeps texts with quotes, backslashes, braces and commas exactly as written', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const odd = 'Кабель "USB-C" \\ 1,5 м {угловой}';
    const yaml = shopYaml().replace(
      'goods:\n',
      'goods:\n' +
        `  - {id: 778, category: 15, name: '${odd}', model: 'a\\b"c', price: 10, price_rrc: 12,\n` +
        `     quantity: 1, parameters: {'Тип "x"': 'NULL', 'Длина, м': '1,5 \\ 2'}}\n`,
    );
    const res = await importYaml(h, shop, yaml);
    expect(res.statusCode).toBe(200);
    const row = (await offersOf(h, res.json().shop.id)).find((o) => o.externalId === 778)!;
    expect(row).toMatchObject({ model: 'a\\b"c' });
    expect(row.parameters).toEqual([
      { name: 'Тип "x"', value: 'NULL' },
      { name: 'Длина, м', value: '1,5 \\ 2' },
    ]);
    expect(row.searchText).toBe(`${odd} a\\b"c NULL 1,5 \\ 2`);
    const page = await client(h, null).get(`/products/${row.id}/`);
    expect(page.json()).toMatchObject({ product: { name: odd }, model: 'a\\b"c' });
  });

  it('two shops selling the same goods make one product with two offers', async () => {
    const [a, b] = await Promise.all([
      createUser(h, { type: 'shop' }),
      createUser(h, { type: 'shop' }),
    ]);
    const ra = (await importYaml(h, a, shopYaml('A'))).json();
    const rb = (await importYaml(h, b, shopYaml('B'))).json();
    expect(rb.created).toBe(14);
    const both = await h.database.db
      .select()
      .from(offers)
      .where(and(eq(offers.externalId, 4216292), inArray(offers.shopId, [ra.shop.id, rb.shop.id])));
    expect(both).toHaveLength(2);
    expect(both[0]!.productId).toBe(both[1]!.productId);
    expect(both[0]!.id).not.toBe(both[1]!.id);
  });

  it('a changed file updates, withdraws and restores', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const original = shopYaml();
    const first = (await importYaml(h, shop, original)).json();
    const changed = original
      .replace('price: 110000', 'price: 99000') // one price changes
      .replace('"Цвет": красный', '"Цвет": алый') // one parameter changes
      .replace(/ {2}- id: 4672670\n( {4}.*\n)+?(?= {2}- id:)/, '') // one good leaves
      .replace(
        'goods:\n',
        'goods:\n  - {id: 777, category: 15, name: New cable, price: 10, price_rrc: 12, quantity: 1}\n',
      );
    const second = await importYaml(h, shop, changed);
    expect(second.json()).toMatchObject({ created: 1, updated: 2, withdrawn: 1 });
    const gone = (await offersOf(h, first.shop.id)).find((o) => o.externalId === 4672670)!;
    expect(gone.withdrawn).toBe(true);

    const back = await importYaml(h, shop, original);
    expect(back.json()).toMatchObject({ created: 0, updated: 3, withdrawn: 1 });
    const rows = await offersOf(h, first.shop.id);
    expect(rows.find((o) => o.externalId === 4672670)!.withdrawn).toBe(false);
    expect(rows.find((o) => o.externalId === 777)!.withdrawn).toBe(true);
    expect(rows.find((o) => o.externalId === 4216292)!.price).toBe(110000);
  });

  it('an invalid file changes nothing and lists every problem with its place', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const good = shopYaml();
    const first = (await importYaml(h, shop, good)).json();
    const bad = good
      .replace(/^shop: .*$/m, 'shop: Renamed but invalid')
      .replace('price: 110000', 'price: -5')
      .replace('  - id: 15\n', '  - id: 224\n')
      .replace('    quantity: 9\n', '')
      .replace('category: 1\n', 'category: 999\n')
      .replace('price_rrc: 69990', 'price_rrc: "lots"');
    const res = await importYaml(h, shop, bad);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'categories[1].id',
        'goods[0].price',
        'goods[1].quantity',
        'goods[1].price_rrc',
        expect.stringMatching(/^goods\[\d+\]\.category$/),
      ]),
    );
    expect(res.json().errors).toContainEqual({
      field: 'goods[0].price',
      message: 'must be an integer ≥ 0',
    });
    const [row] = await h.database.db.select().from(shops).where(eq(shops.id, first.shop.id));
    expect(row!.name).toBe(first.shop.name);
    expect((await offersOf(h, first.shop.id)).find((o) => o.externalId === 4216292)!.price).toBe(
      110000,
    );
  });

  it('a wrong good after batches were written rolls them back: nothing changes', async () => {
    // More goods than one write batch (IMPORT_BATCH): the first 5,000 are written before the
    // reader meets the last one.
    const shop = await createUser(h, { type: 'shop' });
    const first = (await importYaml(h, shop, shopYaml())).json();
    const size = IMPORT_BATCH + 200;
    const big = generatePriceList(size, { shop: first.shop.name, tag: `big-${Date.now()}` });
    const lastQuantity = `    quantity: ${(size - 1) % 50}\n`;
    const at = big.lastIndexOf(lastQuantity);
    const bad = big.slice(0, at) + '    quantity: -1\n' + big.slice(at + lastQuantity.length);
    const res = await importYaml(h, shop, bad);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: `goods[${size - 1}].quantity`, message: 'must be an integer ≥ 0' },
    ]);
    const rows = await offersOf(h, first.shop.id);
    expect(rows).toHaveLength(14);
    expect(rows.every((o) => !o.withdrawn)).toBe(true);
    // The same list without the mistake goes in whole.
    const ok = await importYaml(h, shop, big);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ created: size, withdrawn: 14 });
  });

  it('duplicate good ids and wrong types are reported', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const yaml = `shop: Dup ${Date.now()}
categories: [{id: 1, name: A}]
goods:
  - {id: 5, category: 1, name: X, price: 1, price_rrc: 1, quantity: 1, parameters: {a: [1]}}
  - {id: 5, category: 1, name: 12, price: 1.5, price_rrc: 1, quantity: 1}
`;
    const res = await importYaml(h, shop, yaml);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual(
      expect.arrayContaining([
        { field: 'goods[0].parameters.a', message: 'must be a text, a number or true/false' },
        { field: 'goods[1].id', message: 'duplicate: good 5 is already listed' },
        { field: 'goods[1].name', message: 'must be a text' },
        { field: 'goods[1].price', message: 'must be an integer ≥ 0' },
      ]),
    );
  });

  it('a shop name held by another account is 409', async () => {
    const [a, b] = await Promise.all([
      createUser(h, { type: 'shop' }),
      createUser(h, { type: 'shop' }),
    ]);
    const yaml = shopYaml('Taken');
    expect((await importYaml(h, a, yaml)).statusCode).toBe(200);
    const res = await importYaml(h, b, yaml);
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toBe('/problems/shop-name-taken');
  });

  it('shop names are compared without regard to case', async () => {
    const [a, b] = await Promise.all([
      createUser(h, { type: 'shop' }),
      createUser(h, { type: 'shop' }),
    ]);
    const name = `Связной ${process.pid}-${Date.now()}`;
    const yaml = FIXTURE.replace(/^shop: .*$/m, `shop: ${name}`);
    expect((await importYaml(h, a, yaml)).statusCode).toBe(200);
    const lower = await importYaml(h, b, yaml.replace(name, name.toLowerCase()));
    expect(lower.statusCode).toBe(409);
    expect(lower.json().type).toBe('/problems/shop-name-taken');
    // Its own shop may change the case of its name.
    const renamed = await importYaml(h, a, yaml.replace(name, name.toUpperCase()));
    expect(renamed.json().shop.name).toBe(name.toUpperCase());
  });

  it('renames the shop on a later import', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const first = (await importYaml(h, shop, shopYaml('Old'))).json();
    const second = (await importYaml(h, shop, shopYaml('New'))).json();
    expect(second.shop.id).toBe(first.shop.id);
    expect(second.shop.name).toMatch(/^New /);
    expect(second).toMatchObject({ created: 0, updated: 0, withdrawn: 0 });
  });

  it('refuses an alias bomb, a parse error and bodies that are not YAML', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++)
      levels.push(
        `${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9)
          .fill(`*${'abcdefghij'[i - 1]}`)
          .join(',')}]`,
      );
    const bomb = await importYaml(h, shop, levels.join('\n'));
    expect(bomb.statusCode).toBe(400);
    expect(bomb.json().detail).toMatch(/alias/);

    const broken = await importYaml(h, shop, 'shop: x\ngoods: [\n  - a');
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({
      type: '/problems/invalid-yaml',
      line: expect.any(Number),
      column: expect.any(Number),
    });

    const notYaml = await importYaml(h, shop, 'just some words');
    expect(notYaml.statusCode).toBe(400);
    const plain = await client(h, shop).post('/partner/update/', undefined, {
      payload: 'hello',
      contentType: 'text/plain',
    });
    expect(plain.statusCode).toBe(415);
    const json = await client(h, shop).post('/partner/update/', { file: 'x' });
    expect(json.statusCode).toBe(400);
  });

  it('accepts a multipart upload in the field "file"', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const form = new FormData();
    form.append('file', new Blob([shopYaml()], { type: 'application/yaml' }), 'shop1.yaml');
    const req = new Request('http://x/', { method: 'POST', body: form });
    const res = await client(h, shop).post('/partner/update/', undefined, {
      payload: Buffer.from(await req.arrayBuffer()),
      contentType: req.headers.get('content-type')!,
    });
    expect(res.json()).toMatchObject({ created: 14 });
  });

  it('buyers get 403 and anonymous callers 401', async () => {
    const buyer = await createUser(h, { type: 'buyer' });
    expect((await importYaml(h, buyer, shopYaml())).statusCode).toBe(403);
    expect((await importYaml(h, null, shopYaml())).statusCode).toBe(401);
    expect((await client(h, buyer).get('/partner/export/')).statusCode).toBe(403);
    expect((await client(h).get('/partner/state/')).statusCode).toBe(401);
  });
});
