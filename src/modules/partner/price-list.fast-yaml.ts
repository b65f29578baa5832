// A fast path for the goods of a price list: most files are written by programs in one plain
// shape (`- key: value` lines, a nested `parameters:` mapping, plain or simply quoted scalars).
// js-yaml spends ~60 µs per good on them; this reads that shape line by line and resolves plain
// scalars with js-yaml's own core-schema tags, so the result is the same. Anything else (flow
// style, multi-line or escaped scalars, anchors, tags, comments after values, duplicate keys)
// returns null and the caller parses the chunk with js-yaml, which also reports the errors.
import { NOT_RESOLVED, boolCoreTag, floatCoreTag, intCoreTag, nullCoreTag } from 'js-yaml';

type Obj = Record<string, unknown>;

const TAGS = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];
// js-yaml refuses these anywhere in the stream ("non-printable characters"), and lone surrogates
// (which String.prototype.isWellFormed finds faster than a regular expression can).
// eslint-disable-next-line no-control-regex -- the very characters to find
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;
// Characters that may start something other than a plain scalar.
const INDICATORS = new Set('-?:,[]{}#&*!|>\'"%@`\t');

/** What a plain scalar means under the core schema (null, bool, int, float or text). */
function resolvePlain(s: string): unknown {
  // Core-schema non-strings start with a digit, sign, dot, `~` or one of n/N/t/T/f/F.
  if (!/^[-+.~0-9nNtTfF]/.test(s)) return s;
  // Most values of a list are plain decimal integers (ids, prices, quantities): no tag needed.
  if (/^[1-9][0-9]{0,14}$/.test(s)) return Number(s);
  for (const tag of TAGS) {
    const v = resolvesTo(tag, s);
    if (v !== NOT_RESOLVED) return v;
  }
  return s;
}

/** The value `tag` gives the plain scalar `s`, or NOT_RESOLVED. */
const resolvesTo = (tag: (typeof TAGS)[number], s: string): unknown =>
  (tag.resolve as (s: string, explicit: boolean) => unknown)(s, false);

/** A quoted scalar's text, or a plain scalar as written (resolved where it is used). */
type Scalar = { quoted: string; plain: null } | { quoted: null; plain: string };

/** Reads one scalar from `s` (already trimmed on the left); null when outside the fast shape. */
function scalar(s: string): Scalar | null {
  const c = s[0]!;
  if (c === '"' || c === "'") {
    const close = s.indexOf(c, 1);
    if (close !== s.length - 1 || (c === '"' && s.includes('\\'))) return null;
    return { quoted: s.slice(1, close), plain: null };
  }
  if (INDICATORS.has(c) || s.includes(' #') || s.includes(': ') || s.endsWith(':')) return null;
  if (s.includes('\t')) return null;
  return { quoted: null, plain: s };
}

/** `key: value` or `key:`; null when outside the fast shape. */
function keyValue(line: string): { key: string; value: Scalar | undefined } | null {
  let key: string;
  let rest: string;
  const c = line[0]!;
  if (c === '"' || c === "'") {
    const close = line.indexOf(c, 1);
    if (close < 0 || line[close + 1] !== ':' || (c === '"' && line.slice(0, close).includes('\\')))
      return null;
    key = line.slice(1, close);
    rest = line.slice(close + 2);
  } else {
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    key = line.slice(0, colon).trimEnd();
    rest = line.slice(colon + 1);
    // Keys that are not plain text (numbers, true, ~, indicators) take the slow path.
    if (INDICATORS.has(c) || key.includes(' #') || typeof resolvePlain(key) !== 'string')
      return null;
  }
  if (key === '__proto__' || key === '') return null;
  if (rest === '') return { key, value: undefined };
  if (rest[0] !== ' ') return null;
  const v = rest.trim();
  if (v === '') return { key, value: undefined };
  const value = scalar(v);
  return value ? { key, value } : null;
}

/**
 * Parses `src.slice(from, to)`, a run of block sequence items, into goods: plain objects, with
 * plain parameter values kept as written. Null when any line is outside the fast shape.
 */
export function parseGoodsFast(src: string, from: number, to: number): Obj[] | null {
  const chunk = src.slice(from, to);
  if (NON_PRINTABLE.test(chunk) || !chunk.isWellFormed()) return null;
  const goods: Obj[] = [];
  let good: Obj | null = null;
  let nested: Obj | null = null;
  let pendingKey: string | null = null;
  let itemCol = -1;
  let keyCol = -1;
  let nestedCol = -1;
  let pos = 0;
  while (pos < chunk.length) {
    let end = chunk.indexOf('\n', pos);
    if (end < 0) end = chunk.length;
    const lineStart = pos;
    pos = end + 1;
    if (end > lineStart && chunk.charCodeAt(end - 1) === 13) end--;
    let i = lineStart;
    while (i < end && chunk.charCodeAt(i) === 32) i++;
    if (i === end || chunk[i] === '#') continue;
    let col = i - lineStart;
    let item = false;
    if (chunk[i] === '-' && (i + 1 === end || chunk[i + 1] === ' ')) {
      if (itemCol < 0) itemCol = col;
      if (col !== itemCol) return null;
      item = true;
      i += 1;
      while (i < end && chunk.charCodeAt(i) === 32) i++;
      if (i === end) return null;
      col = i - lineStart;
    }
    const kv = keyValue(chunk.slice(i, end));
    if (!kv) return null;
    if (pendingKey !== null) {
      // Only `parameters` nests, and only its values keep their text: other nestings go slow.
      if (!item && col > keyCol && good && pendingKey === 'parameters') {
        nested = {};
        good[pendingKey] = nested;
        nestedCol = col;
      } else if (good && (item || col <= keyCol)) good[pendingKey] = null;
      else return null;
      pendingKey = null;
    }
    let target: Obj;
    if (item) {
      if (keyCol >= 0 && col !== keyCol) return null;
      keyCol = col;
      good = {};
      goods.push(good);
      nested = null;
      target = good;
    } else if (good && col === keyCol) {
      nested = null;
      target = good;
    } else if (nested && col === nestedCol) {
      target = nested;
    } else return null;
    if (Object.hasOwn(target, kv.key)) return null;
    if (kv.value === undefined) {
      if (target === nested) return null;
      pendingKey = kv.key;
      continue;
    }
    const { quoted, plain } = kv.value;
    // Parameter values keep the text as written (`6.50`, `true`), as price-list.yaml.ts does: of
    // what a plain one means, only null matters there.
    if (plain === null) target[kv.key] = quoted;
    else if (target === nested)
      target[kv.key] = resolvesTo(nullCoreTag, plain) === NOT_RESOLVED ? plain : null;
    else target[kv.key] = resolvePlain(plain);
  }
  if (pendingKey !== null && good) good[pendingKey] = null;
  return goods;
}
