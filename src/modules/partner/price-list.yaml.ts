// Reading price lists safely: js-yaml with the core schema, no aliases (alias bombs), no merge
// keys, shallow nesting. Parsing goes through js-yaml's event stream so parameter values keep the
// text the shop wrote (`6.50` stays `6.50`, `true` stays `true`). A big list is parsed in chunks
// of goods as the import asks for them, because one event array for 100,000 goods alone takes
// about 300 MB, and the parsed goods of such a list another 200.
import {
  CORE_SCHEMA,
  EVENT_ID,
  SCALAR_STYLE,
  YAMLException,
  constructFromEvents,
  getScalarValue,
  parseEvents,
  type Event,
} from 'js-yaml';
import { problem } from '../../platform/problems.js';
import { parseGoodsFast } from './price-list.fast-yaml.js';
import type { PriceList } from '../catalog/index.js';
import {
  checkedList,
  createValidator,
  isObj,
  list,
  notAMapping,
  validatePriceList,
} from './price-list.js';

const MAX_DEPTH = 10;
/** Goods per parsed chunk: small enough to keep events cheap, large enough to amortise calls. */
const CHUNK_GOODS = 500;

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Parses and checks a price list's head now and its goods as they are read (see PriceList);
 * throws a 400 AppError listing what is wrong. The file stays as bytes (a 100,000-goods list is
 * 37 MB of UTF-8, and about 64 MB as a JavaScript string): each chunk of goods is decoded alone.
 */
export function readPriceList(file: Buffer | string): PriceList {
  let source = typeof file === 'string' ? Buffer.from(file) : file;
  if (source.subarray(0, 3).equals(UTF8_BOM)) source = source.subarray(3);
  const split = splitGoods(source);
  const head = split && parseHead(source, split);
  if (!split || head === undefined) return validatePriceList(parseYaml(source.toString('utf8')));
  if (!isObj(head)) throw notAMapping();
  const v = createValidator(head);
  return checkedList(v, split.items.length, goodsChunks(source, split, v.problem));
}

interface GoodsSplit {
  /** Byte offsets of the goods section (after the `goods:` line) and of each item's first line. */
  sectionStart: number;
  sectionEnd: number;
  keyLineStart: number;
  items: number[];
}

const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const DASH = 0x2d;
const DOT = 0x2e;

/** The start of the one top-level `goods:` line (a comment may follow); -1 if none or several. */
function goodsKeyLine(source: Buffer): number {
  let found = -1;
  for (let at = source.indexOf('goods:'); at >= 0; at = source.indexOf('goods:', at + 1)) {
    if (at > 0 && source[at - 1] !== NL) continue;
    let i = at + 6;
    while (source[i] === SPACE || source[i] === TAB) i++;
    const c = source[i];
    const endsHere = i === source.length || c === NL || c === HASH || c === CR;
    if (!endsHere || (c === CR && i + 1 < source.length && source[i + 1] !== NL)) continue;
    if (found >= 0) return -1;
    found = at;
  }
  return found;
}

/** Three times `byte` at `pos`: a YAML document marker (`---` or `...`). */
const marker = (source: Buffer, pos: number, byte: number) =>
  source[pos] === byte && source[pos + 1] === byte && source[pos + 2] === byte;

/**
 * Finds the items of a block-style top-level `goods:` sequence by their `- ` lines. Anything
 * unusual (flow style, tabs, several documents) returns null and the whole text is parsed at once.
 * Indentation is ASCII spaces, so byte columns are character columns.
 */
export function splitGoods(source: Buffer): GoodsSplit | null {
  const keyLineStart = goodsKeyLine(source);
  if (keyLineStart < 0) return null;
  let pos = source.indexOf(NL, keyLineStart);
  if (pos < 0) return null;
  const sectionStart = pos + 1;
  const items: number[] = [];
  let indent = -1;
  pos = sectionStart;
  while (pos < source.length) {
    let end = source.indexOf(NL, pos);
    if (end < 0) end = source.length;
    let i = pos;
    while (i < end && source[i] === SPACE) i++;
    const c = source[i];
    const blank = i >= end || c === CR || c === HASH;
    if (!blank) {
      if (c === TAB || marker(source, pos, DASH) || marker(source, pos, DOT)) return null;
      const col = i - pos;
      const dash = c === DASH && (i + 1 >= end || source[i + 1] === SPACE || source[i + 1] === CR);
      if (indent < 0) {
        if (!dash) return null;
        indent = col;
      }
      if (col === indent && dash) items.push(pos);
      else if (col <= indent) {
        if (col !== 0) return null;
        return { sectionStart, sectionEnd: pos, keyLineStart, items };
      }
    }
    pos = end + 1;
  }
  return items.length ? { sectionStart, sectionEnd: source.length, keyLineStart, items } : null;
}

/** The document without its goods; undefined when that does not parse on its own. */
function parseHead(source: Buffer, split: GoodsSplit): unknown {
  try {
    return parseYaml(
      source.toString('utf8', 0, split.keyLineStart) +
        'goods: []\n' +
        source.toString('utf8', split.sectionEnd),
    );
  } catch {
    return undefined;
  }
}

/**
 * The goods, parsed CHUNK_GOODS at a time. A chunk that does not parse on its own (a multi-line
 * scalar cut in two, a real error) makes the whole text parsed once, for its goods from there on
 * or for the error with its line and column.
 */
function* goodsChunks(
  source: Buffer,
  split: GoodsSplit,
  problem: (field: string, message: string) => void,
): Iterable<unknown[]> {
  const { items } = split;
  for (let k = 0; k < items.length; k += CHUNK_GOODS) {
    const end = k + CHUNK_GOODS < items.length ? items[k + CHUNK_GOODS]! : split.sectionEnd;
    const text = source.toString('utf8', items[k]!, end);
    let chunk: unknown = parseGoodsFast(text, 0, text.length);
    if (chunk === null) {
      try {
        chunk = parseYaml(text, 'goods');
      } catch {
        chunk = undefined;
      }
    }
    if (!Array.isArray(chunk)) {
      const doc = parseYaml(source.toString('utf8'));
      yield list(isObj(doc) ? doc.goods : undefined, 'goods', problem).slice(k);
      return;
    }
    yield chunk;
  }
}

/** Parses YAML text: core schema, no aliases (alias bombs), no merge keys, shallow nesting. */
export function parseYaml(text: string, rootRole: Frame['role'] = 'root'): unknown {
  const source = stripBom(text);
  try {
    const events = parseEvents(source, { maxDepth: MAX_DEPTH });
    const docs = constructFromEvents(events, { source, schema: CORE_SCHEMA, maxAliases: 0 });
    if (docs.length !== 1) {
      throw problem.invalidYaml('The price list must be exactly one YAML document.');
    }
    keepParameterText(events, source, docs[0], rootRole);
    return docs[0];
  } catch (err) {
    if (err instanceof YAMLException) {
      const mark = err.mark ? { line: err.mark.line + 1, column: err.mark.column + 1 } : undefined;
      const at = mark ? ` at line ${mark.line}, column ${mark.column}` : '';
      const detail = `The price list is not valid YAML${at}: ${err.reason}.`;
      throw problem.invalidYaml(detail, {
        errors: [{ field: '(yaml)', message: err.reason + at }],
        extra: mark,
      });
    }
    throw err;
  }
}

interface Frame {
  obj: unknown;
  isMap: boolean;
  role: 'root' | 'goods' | 'good' | 'params' | 'other';
  slots: number;
  key: string;
}

/**
 * Replaces each plain numeric or boolean parameter value with its source text. Without aliases
 * the events mirror the constructed document one to one, so a stack of frames finds each value.
 */
function keepParameterText(events: Event[], source: string, doc: unknown, rootRole: Frame['role']) {
  const stack: Frame[] = [];
  const childOf = (parent: Frame | undefined, isMap: boolean): Frame => {
    if (!parent) return { obj: doc, isMap, role: rootRole, slots: 0, key: '' };
    const obj = slotValue(parent);
    let role: Frame['role'] = 'other';
    if (parent.role === 'root' && parent.key === 'goods') role = 'goods';
    else if (parent.role === 'goods') role = 'good';
    else if (parent.role === 'good' && parent.key === 'parameters') role = 'params';
    return { obj, isMap, role, slots: 0, key: '' };
  };
  for (const ev of events) {
    const top = stack[stack.length - 1];
    if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) {
      stack.push(childOf(top, ev.type === EVENT_ID.MAPPING));
    } else if (ev.type === EVENT_ID.POP) {
      if (stack.pop()) filled(stack[stack.length - 1]);
    } else if (ev.type === EVENT_ID.SCALAR && top) {
      if (top.isMap && top.slots % 2 === 0) {
        top.key = getScalarValue(source, ev);
      } else if (top.role === 'params' && ev.style === SCALAR_STYLE.PLAIN && ev.tagStart === -1) {
        const map = top.obj as Record<string, unknown>;
        const v = map[top.key];
        if (typeof v === 'number' || typeof v === 'boolean')
          map[top.key] = source.slice(ev.valueStart, ev.valueEnd);
      }
      top.slots++;
    }
  }
}

function slotValue(f: Frame): unknown {
  if (f.obj === null || typeof f.obj !== 'object') return undefined;
  return f.isMap ? (f.obj as Record<string, unknown>)[f.key] : (f.obj as unknown[])[f.slots >> 0];
}

function filled(f: Frame | undefined) {
  if (f) f.slots++;
}
