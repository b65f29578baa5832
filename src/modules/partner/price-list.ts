// Price lists (the YAML format of shared/data/shop1.yaml): the checked shape, and the checks,
// which report every problem with its place. Parsing is in price-list.yaml.ts.
// `problem` below is the validator's own reporter, so the registry goes by another name here.
import { problem as apiProblem, type FieldError } from '../../platform/problems.js';
import { textProblem } from '../../platform/text-input.js';
import type { PriceList, PriceListCategory, PriceListGood } from '../catalog/index.js';

/** More problems than this are summarised, so a broken 100,000-goods file gets a bounded answer. */
export const MAX_REPORTED_PROBLEMS = 1000;
const INT4_MAX = 2_147_483_647;

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks a parsed document (its goods as they are read); see `checkedList`. */
export function validatePriceList(doc: unknown): PriceList {
  if (!isObj(doc)) throw notAMapping();
  const v = createValidator(doc);
  const goods = list(doc.goods, 'goods', v.problem);
  return checkedList(v, goods.length, [goods]);
}

export type Validator = ReturnType<typeof createValidator>;

/**
 * The price list of a checked head, its goods checked as `chunks` yields them (see PriceList).
 * A head with problems reads every good at once, so the answer lists all the file's problems.
 */
export function checkedList(
  v: Validator,
  goodsCount: number,
  chunks: Iterable<unknown[]>,
): PriceList {
  if (v.failed()) {
    for (const chunk of chunks) chunk.forEach((g) => v.good(g));
    v.finish();
  }
  const { shop, categories } = v.finish();
  let read = false;
  return {
    shop,
    categories,
    goodsCount,
    *goods(size: number) {
      if (read) throw new Error('The goods of a price list are read once.');
      read = true;
      let batch: PriceListGood[] = [];
      for (const chunk of chunks) {
        for (const raw of chunk) {
          const good = v.good(raw);
          if (!good || v.failed()) continue;
          batch.push(good);
          if (batch.length < size) continue;
          yield batch;
          batch = [];
        }
      }
      v.finish();
      if (batch.length > 0) yield batch;
    },
  };
}

export const notAMapping = () =>
  apiProblem.invalidPriceList(
    'The price list must be a YAML mapping with shop, categories and goods.',
    {
      errors: [{ field: '(root)', message: 'must be a mapping with shop, categories and goods' }],
    },
  );

/**
 * Checks the head (shop, categories) at once and then goods one at a time, so goods can be fed
 * in chunks (see price-list.yaml.ts) without holding the whole parsed document.
 */
export function createValidator(doc: Obj) {
  const errors: FieldError[] = [];
  let extra = 0;
  const problem = (field: string, message: string) => {
    if (errors.length < MAX_REPORTED_PROBLEMS) errors.push({ field, message });
    else extra++;
  };
  unknownKeys(doc, ['shop', 'categories', 'goods'], '', problem);
  const shop = text(doc.shop, 'shop', 200, problem);

  const categories: PriceListCategory[] = [];
  const categoryIds = new Set<number>();
  const categoryNames = new Set<string>();
  list(doc.categories, 'categories', problem).forEach((c, i) => {
    const at = `categories[${i}]`;
    if (!isObj(c)) return problem(at, 'must be a mapping with id and name');
    unknownKeys(c, ['id', 'name'], at, problem);
    const id = bigId(c.id, `${at}.id`, problem);
    const name = text(c.name, `${at}.name`, 200, problem);
    if (id !== undefined && categoryIds.has(id))
      problem(`${at}.id`, `duplicate: ${id} is already used`);
    if (name !== undefined && categoryNames.has(name))
      problem(`${at}.name`, `duplicate: "${name}" is already used`);
    if (id !== undefined) categoryIds.add(id);
    if (name !== undefined) categoryNames.add(name);
    if (id !== undefined && name !== undefined) categories.push({ id, name });
  });

  const goodIds = new Set<number>();
  let index = 0;
  /** Checks the next good; returns it when it is right. */
  const good = (g: unknown): PriceListGood | undefined => {
    const at = `goods[${index++}]`;
    if (!isObj(g)) {
      problem(at, 'must be a mapping');
      return undefined;
    }
    unknownKeys(
      g,
      ['id', 'category', 'model', 'name', 'price', 'price_rrc', 'quantity', 'parameters'],
      at,
      problem,
    );
    const id = bigId(g.id, `${at}.id`, problem);
    if (id !== undefined && goodIds.has(id))
      problem(`${at}.id`, `duplicate: good ${id} is already listed`);
    if (id !== undefined) goodIds.add(id);
    const category = bigId(g.category, `${at}.category`, problem);
    if (category !== undefined && !categoryIds.has(category)) {
      problem(`${at}.category`, `unknown category ${category}: not listed under categories`);
    }
    const model =
      g.model === undefined || g.model === null
        ? ''
        : text(g.model, `${at}.model`, 200, problem, true);
    const name = text(g.name, `${at}.name`, 500, problem);
    const price = int4(g.price, `${at}.price`, problem);
    const priceRrc = int4(g.price_rrc, `${at}.price_rrc`, problem);
    const quantity = int4(g.quantity, `${at}.quantity`, problem);
    const parameters = params(g.parameters, `${at}.parameters`, problem);
    if (
      id !== undefined &&
      category !== undefined &&
      model !== undefined &&
      name !== undefined &&
      price !== undefined &&
      priceRrc !== undefined &&
      quantity !== undefined &&
      parameters !== undefined
    ) {
      return { id, category, model, name, price, price_rrc: priceRrc, quantity, parameters };
    }
  };

  /** The head, or the 400 that lists every problem found so far. */
  const finish = (): Pick<PriceList, 'shop' | 'categories'> => {
    if (errors.length > 0 || shop === undefined) {
      if (extra > 0) errors.push({ field: '(more)', message: `${extra} more problems not listed` });
      const n = errors.length + extra;
      throw apiProblem.invalidPriceList(
        `The price list has ${n} problem${n === 1 ? '' : 's'}; nothing was changed.`,
        { errors },
      );
    }
    return { shop, categories };
  };
  return { problem, good, failed: () => errors.length > 0, finish };
}

type Problem = (field: string, message: string) => void;

function unknownKeys(o: Obj, allowed: string[], at: string, problem: Problem) {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) problem(at ? `${at}.${k}` : k, 'unknown field');
  }
}

// A list repeats a few parameter names on every good; one copy of each saves ~25 MB per 100,000.
const names = new Map<string, string>();
function intern(name: string): string {
  const known = names.get(name);
  if (known !== undefined) return known;
  if (names.size >= 10_000) return name;
  // A fresh copy: the parsed text may be a slice that would keep the whole price list alive.
  const own = JSON.parse(JSON.stringify(name)) as string;
  names.set(own, own);
  return own;
}

export function list(v: unknown, field: string, problem: Problem): unknown[] {
  if (v === undefined) return (problem(field, 'is required'), []);
  if (!Array.isArray(v)) return (problem(field, 'must be a list'), []);
  return v;
}

function text(
  v: unknown,
  field: string,
  max: number,
  problem: Problem,
  allowEmpty = false,
): string | undefined {
  if (v === undefined || v === null) return (problem(field, 'is required'), undefined);
  if (typeof v !== 'string') return (problem(field, 'must be a text'), undefined);
  const bad = textProblem(v);
  if (bad) return (problem(field, bad), undefined);
  const s = v.trim();
  if (!allowEmpty && s === '') return (problem(field, 'must not be empty'), undefined);
  if (s.length > max) return (problem(field, `must be at most ${max} characters`), undefined);
  return s;
}

function bigId(v: unknown, field: string, problem: Problem): number | undefined {
  if (v === undefined || v === null) return (problem(field, 'is required'), undefined);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    return (problem(field, 'must be an integer ≥ 0'), undefined);
  }
  return v;
}

function int4(v: unknown, field: string, problem: Problem): number | undefined {
  if (v === undefined || v === null) return (problem(field, 'is required'), undefined);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    return (problem(field, 'must be an integer ≥ 0'), undefined);
  if (v > INT4_MAX) return (problem(field, `must be at most ${INT4_MAX}`), undefined);
  return v;
}

function params(v: unknown, field: string, problem: Problem): [string, string][] | undefined {
  if (v === undefined || v === null) return [];
  if (!isObj(v))
    return (problem(field, 'must be a mapping of parameter names to values'), undefined);
  const out: [string, string][] = [];
  const seen = new Set<string>();
  let ok = true;
  for (const [name, value] of Object.entries(v)) {
    const at = `${field}.${name}`;
    const badText = textProblem(name) ?? textProblem(String(value));
    if (name.trim() === '' || name.length > 200) {
      problem(at, 'parameter names must be 1 to 200 characters');
      ok = false;
    } else if (badText) {
      problem(at, badText);
      ok = false;
    } else if (seen.has(name.trim())) {
      problem(at, 'duplicate parameter name');
      ok = false;
    } else if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      const s = String(value);
      if (s.length > 1000) {
        problem(at, 'must be at most 1000 characters');
        ok = false;
      } else {
        const key = intern(name.trim());
        seen.add(key);
        out.push([key, s]);
      }
    } else {
      problem(at, 'must be a text, a number or true/false');
      ok = false;
    }
  }
  return ok ? out : undefined;
}
