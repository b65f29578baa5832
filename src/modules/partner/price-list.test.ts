// The parser and checker on their own: no database needed for these.
import { describe, expect, it } from 'vitest';
import { generatePriceList } from '../../../bench/generate-price-list.js';
import { yamlString, yamlValue } from './price-list.export.js';
import { validatePriceList } from './price-list.js';
import { parseGoodsFast } from './price-list.fast-yaml.js';
import { parseYaml, readPriceList, splitGoods } from './price-list.yaml.js';
import { FIXTURE } from './partner.test-helpers.js';
import type { PriceList } from '../catalog/index.js';

/** Every good of a list read at once, as the import reads them batch by batch. */
const readAll = ({ goods, ...head }: PriceList) => ({ ...head, goods: [...goods(300)].flat() });
const read = (text: string) => readAll(readPriceList(text));
const readWhole = (text: string) => readAll(validatePriceList(parseYaml(text)));

describe('readPriceList', () => {
  it('reads big lists in chunks with the same result as one whole parse', () => {
    // Goods are parsed 500 at a time: two full chunks and a part of one.
    const text = generatePriceList(1250);
    expect(splitGoods(Buffer.from(text))?.items).toHaveLength(1250);
    const chunked = read(text);
    expect(chunked).toEqual(readWhole(text));
    expect(chunked.goodsCount).toBe(1250);
    expect(chunked.goods[1249]!.parameters).toContainEqual(['Smart TV', 'false']);
    // As bytes with a byte-order mark and Windows line ends, as some programs write files.
    const windows = Buffer.from('\uFEFF' + text.replaceAll('\n', '\r\n'));
    expect(splitGoods(windows.subarray(3))?.items).toHaveLength(1250);
    expect(readAll(readPriceList(windows))).toEqual(chunked);
  });

  it('hands goods out in batches and, after a wrong one, none but the 400 listing them all', () => {
    const text = generatePriceList(1250)
      .replace('    price: 1037\n', '    price: -1\n')
      .replace('    quantity: 49\n', '    quantity: x\n');
    const batches: number[] = [];
    const list = readPriceList(text);
    expect(() => {
      for (const batch of list.goods(300)) batches.push(batch.length);
    }).toThrow(
      expect.objectContaining({
        status: 400,
        errors: [
          { field: 'goods[1].price', message: 'must be an integer ≥ 0' },
          { field: 'goods[49].quantity', message: 'must be an integer ≥ 0' },
        ],
      }),
    );
    expect(batches).toEqual([]);
    const late = readPriceList(
      generatePriceList(1250).replace(/quantity: 49\n(?![\s\S]*quantity: 49\n)/, 'quantity: x\n'),
    );
    const sizes: number[] = [];
    expect(() => {
      for (const batch of late.goods(300)) sizes.push(batch.length);
    }).toThrow(/1 problem/);
    expect(sizes).toEqual([300, 300, 300, 300]);
  });

  it('checks every good at once when the head is wrong, so the answer lists all problems', () => {
    const text = generatePriceList(10)
      .replace('shop: Bench shop', 'shop: ""')
      .replace('    price: 1037\n', '    price: -1\n');
    expect(() => readPriceList(text)).toThrow(
      expect.objectContaining({
        errors: [
          { field: 'shop', message: 'must not be empty' },
          { field: 'goods[1].price', message: 'must be an integer ≥ 0' },
        ],
      }),
    );
  });

  it('reads block-style goods on the fast path exactly as js-yaml does, else falls back', () => {
    const goods = `  - id: 1
    category: 1
    model: 'a b'
    name: "Quoted: name"
    price: 0x10
    price_rrc: 15
    quantity: 0
    parameters:
      "Цвет": True
      Вес: 06.50
      x: .inf
      y: 'z'
      Время: 12:30

  # a comment line
  - id: 2
    category: 1
    name: Foo (bar) 5" x
    model:
    price: 1
    price_rrc: 1
    quantity: 1234567890
    parameters:
`;
    const slow = parseYaml(goods, 'goods');
    expect(parseGoodsFast(goods, 0, goods.length)).toEqual(slow);
    const nulls = '  - id: 1\n    parameters:\n      n: ~\n      m: NULL\n      k: nul\n';
    expect(parseGoodsFast(nulls, 0, nulls.length)).toEqual(parseYaml(nulls, 'goods'));
    expect(parseGoodsFast(goods + '\r\n', 0, goods.length + 2)).toEqual(slow);
    for (const odd of [
      '  - id: 1 # comment\n',
      '  - id: 1\n    id: 2\n',
      '  - id: 1\n    name: a\n      b\n',
      '  - id: -1\n',
      '  - id: 1\n    other:\n      a: 1\n',
      '  - name: "a\\tb"\n',
      "  - name: 'it''s'\n",
      '  - {id: 1}\n',
    ]) {
      expect(parseGoodsFast(odd, 0, odd.length), odd).toBeNull();
    }
    const text = `shop: S\ncategories: [{id: 1, name: A}]\ngoods:\n${goods}`;
    expect(read(text)).toEqual(readWhole(text));
  });

  it('keeps parameter values as written', () => {
    const list = read(`shop: S
categories: [{id: 1, name: A}]
goods:
- id: 1
  category: 1
  name: N
  price: 1
  price_rrc: 2
  quantity: 3
  parameters: {a: 6.50, b: True, c: "6.50", d: 0x1F, e: 2688x1242, f: 1e3}
`);
    expect(list.goods[0]!.parameters).toEqual([
      ['a', '6.50'],
      ['b', 'True'],
      ['c', '6.50'],
      ['d', '0x1F'],
      ['e', '2688x1242'],
      ['f', '1e3'],
    ]);
  });

  it('falls back to a whole parse for flow style and reports real error positions', () => {
    const flow = read(
      'shop: S\ncategories: [{id: 1, name: A}]\ngoods: [{id: 1, category: 1, name: N, price: 1, price_rrc: 1, quantity: 0}]\n',
    );
    expect(flow.goods).toHaveLength(1);
    const broken = FIXTURE.replace('    price: 65000\n', '    price: [65000\n');
    expect(() => read(broken)).toThrow(/not valid YAML at line \d+, column \d+/);
  });

  it('refuses custom tags, merge keys, aliases and several documents', () => {
    for (const text of [
      'shop: !!js/function "x"',
      'a: &a {x: 1}\nb: {<<: *a}',
      'a: &a 1\nb: *a',
      'shop: a\n---\nshop: b\n',
    ]) {
      expect(() => read(text), text).toThrow();
    }
    expect(() => read('a: {<<: {x: 1}}')).toThrow(/problem/); // `<<` is just an unknown key
  });
});

describe('export helpers', () => {
  it('writes values plain when they read back as the same text', () => {
    expect(yamlValue('6.5')).toBe('6.5');
    expect(yamlValue('true')).toBe('true');
    expect(yamlValue('2688x1242')).toBe('2688x1242');
    expect(yamlValue('null')).toBe('"null"');
    expect(yamlValue('a: b')).toBe('"a: b"');
    expect(yamlString('512')).toBe('"512"');
    expect(yamlString('Смартфон Apple (золотистый)')).toBe('Смартфон Apple (золотистый)');
    expect(yamlString('# x')).toBe('"# x"');
  });
});
