// Reading price lists safely: js-yaml with the core schema, no aliases (alias bombs), no merge
// keys, shallow nesting. Parsing goes through js-yaml's event stream so parameter values keep the
// text the shop wrote (`6.50` stays `6.50`, `true` stays `true`). A big list is parsed in chunks
// of goods, because one event array for 100,000 goods alone takes about 300 MB.
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
import { createValidator, isObj, list, notAMapping, validatePriceList } from './price-list.js';

const MAX_DEPTH = 10;
/** Goods per parsed chunk: small enough to keep events cheap, large enough to amortise calls. */
const CHUNK_GOODS = 500;

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/** Parses and validates a price list; throws a 400 AppError listing what is wrong. */
export function readPriceList(text: string): PriceList {
  const source = stripBom(text);
  const split = splitGoods(source);
  if (split) {
    const chunked = readChunked(source, split);
    if (chunked) return chunked;
  }
  return validatePriceList(parseYaml(source));
}

interface GoodsSplit {
  /** Offsets of the goods section (after the `goods:` line) and of each item's first line. */
  sectionStart: number;
  sectionEnd: number;
  keyLineStart: number;
  items: number[];
}

/**
 * Finds the items of a block-style top-level `goods:` sequence by their `- ` lines. Anything
 * unusual (flow style, tabs, several documents) returns null and the whole text is parsed at once.
 */
export function splitGoods(source: string): GoodsSplit | null {
  const key = /^goods:[ \t]*(#.*)?\r?$/gm;
  const m = key.exec(source);
  if (!m || key.exec(source)) return null;
  const keyLineStart = m.index;
  let pos = source.indexOf('\n', keyLineStart);
  if (pos < 0) return null;
  const sectionStart = pos + 1;
  const items: number[] = [];
  let indent = -1;
  pos = sectionStart;
  while (pos < source.length) {
    let end = source.indexOf('\n', pos);
    if (end < 0) end = source.length;
    let i = pos;
    while (i < end && source.charCodeAt(i) === 32) i++;
    const c = source[i];
    const blank = i >= end || c === '\r' || c === '#';
    if (!blank) {
      if (c === '\t' || source.startsWith('---', pos) || source.startsWith('...', pos)) return null;
      const col = i - pos;
      const dash = c === '-' && (i + 1 >= end || source[i + 1] === ' ' || source[i + 1] === '\r');
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

/** Null when a chunk does not parse on its own: the whole text is then parsed for the real error. */
function readChunked(source: string, split: GoodsSplit): PriceList | null {
  let head: unknown;
  try {
    head = parseYaml(
      source.slice(0, split.keyLineStart) + 'goods: []\n' + source.slice(split.sectionEnd),
    );
  } catch {
    return null;
  }
  if (!isObj(head)) throw notAMapping();
  const v = createValidator(head);
  const { items } = split;
  for (let k = 0; k < items.length; k += CHUNK_GOODS) {
    const end = k + CHUNK_GOODS < items.length ? items[k + CHUNK_GOODS]! : split.sectionEnd;
    let chunk: unknown = parseGoodsFast(source, items[k]!, end);
    if (chunk === null) {
      try {
        chunk = parseYaml(source.slice(items[k]!, end), 'goods');
      } catch {
        return null;
      }
    }
    if (!Array.isArray(chunk)) return null;
    list(chunk, 'goods', v.problem).forEach((g, i) => v.good(g, k + i));
  }
  return v.finish();
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
