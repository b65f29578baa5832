// Writes a shop's live offers back as a price list in the import format. Written by hand rather
// than with js-yaml's dump so parameter values come out as the shop wrote them (`6.5` unquoted,
// `2688x1242` plain) while every string that would read back as another type gets quoted.
import { CORE_SCHEMA } from 'js-yaml';
import type { CatalogService } from '../catalog/index.js';

// Plain scalars limited to characters that never start or end YAML syntax inside a block mapping.
const PLAIN_SAFE = /^[\p{L}\p{N}][\p{L}\p{N} ()./_+,%№"'-]*[\p{L}\p{N})."%]$|^[\p{L}\p{N}]$/u;

function resolvesTo(text: string): string {
  return CORE_SCHEMA.resolveImplicitScalarTag(text).tag.tagName;
}

const STR = 'tag:yaml.org,2002:str';

/** A string as YAML: plain when that reads back as the same string, else JSON-quoted. */
export function yamlString(s: string): string {
  return PLAIN_SAFE.test(s) && resolvesTo(s) === STR ? s : JSON.stringify(s);
}

/** A parameter value: numbers and booleans stay plain (they are stored as the text written). */
export function yamlValue(s: string): string {
  if (PLAIN_SAFE.test(s) || /^[-+.]?[0-9]/.test(s)) {
    const tag = resolvesTo(s);
    if (tag === STR ? PLAIN_SAFE.test(s) : tag !== 'tag:yaml.org,2002:null') return s;
  }
  return JSON.stringify(s);
}

type ShopForExport = Awaited<ReturnType<CatalogService['shopForExport']>>;

/** The shop's live offers as a price list, in the order the catalog keeps them. */
export function writePriceList({ shop, categories: cats, offers }: ShopForExport): string {
  const extOf = new Map(cats.map((c) => [c.categoryId, c.id]));
  const out: string[] = [`shop: ${yamlString(shop.name)}`, 'categories:'];
  for (const c of cats) out.push(`  - id: ${c.id}`, `    name: ${yamlString(c.name)}`);
  out.push('', offers.length ? 'goods:' : 'goods: []');
  for (const o of offers) {
    out.push(
      `  - id: ${o.externalId}`,
      `    category: ${extOf.get(o.categoryId) ?? 0}`,
      `    model: ${yamlString(o.model)}`,
      `    name: ${yamlString(o.name)}`,
      `    price: ${o.price}`,
      `    price_rrc: ${o.priceRrc}`,
      `    quantity: ${o.quantity}`,
    );
    if (o.parameters.length) out.push('    parameters:');
    for (const p of o.parameters)
      out.push(`      ${JSON.stringify(p.name)}: ${yamlValue(p.value)}`);
  }
  if (cats.length === 0) out[1] = 'categories: []';
  return out.join('\n') + '\n';
}
