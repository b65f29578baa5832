// The parser and checker on their own: no database needed for these.
import { describe, expect, it } from 'vitest';
import { generatePriceList } from '../../../bench/generate-price-list.js';
import { yamlString, yamlValue } from './price-list.export.js';
import { validatePriceList } from './price-list.js';
import { parseGoodsFast } from './price-list.fast-yaml.js';
import { parseYaml, readPriceList, splitGoods } from './price-list.yaml.js';
import { FIXTURE } from './partner.test-helpers.js';

describe('readPriceList', () => {
  it('reads big lists in chunks with the same result as one whole parse', () => {
    // Goods are parsed 500 at a time: two full chunks and a part of one.
    const text = generatePriceList(1250);
    expect(splitGoods(text)?.items).toHaveLength(1250);
    const chunked = readPriceList(text);
    expect(chunked).toEqual(validatePriceList(parseYaml(text)));
    expect(chunked.goods[1249]!.parameters).toContainEqual(['Smart TV', 'false']);
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
    quantity: 1
    parameters:
`;
    const slow = parseYaml(goods, 'goods');
    expect(parseGoodsFast(goods, 0, goods.length)).toEqual(slow);
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
    expect(readPriceList(text)).toEqual(validatePriceList(parseYaml(text)));
  });

  it('keeps parameter values as written', () => {
    const list = readPriceList(`shop: S
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
    const flow = readPriceList(
      'shop: S\ncategories: [{id: 1, name: A}]\ngoods: [{id: 1, category: 1, name: N, price: 1, price_rrc: 1, quantity: 0}]\n',
    );
    expect(flow.goods).toHaveLength(1);
    const broken = FIXTURE.replace('    price: 65000\n', '    price: [65000\n');
    expect(() => readPriceList(broken)).toThrow(/not valid YAML at line \d+, column \d+/);
  });

  it('refuses custom tags, merge keys, aliases and several documents', () => {
    for (const text of [
      'shop: !!js/function "x"',
      'a: &a {x: 1}\nb: {<<: *a}',
      'a: &a 1\nb: *a',
      'shop: a\n---\nshop: b\n',
    ]) {
      expect(() => readPriceList(text), text).toThrow();
    }
    expect(() => readPriceList('a: {<<: {x: 1}}')).toThrow(/problem/); // `<<` is just an unknown key
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
