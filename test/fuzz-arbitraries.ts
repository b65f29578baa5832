// fast-check arbitraries made from the OpenAPI document's JSON Schemas: mostly values the schema
// allows, mixed with hostile ones (NUL, lone surrogates, huge and fractional numbers, wrong
// types, deep nesting, unknown fields), so the fuzz test reaches past validation as well as at it.
import fc from 'fast-check';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  pattern?: string;
};

/** Texts that have broken services: NUL, lone surrogates, control and RTL marks, SQL, long. */
export const hostileText = fc.oneof(
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    '\ud800',
    'x\udfffy',
    '\u202e\u0007\u001b[31m',
    "' or 1=1 --",
    '%00',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '  ',
    '',
    '𝕏😀',
    'ﷺ'.repeat(50),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.nat({ max: 3000 }).map((n) => 'я'.repeat(n)),
);

const hostileNumber = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    -(2 ** 63),
    1e308,
    -1e308,
    0.5,
    -0,
    1e-300,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Nesting deeper than any schema goes. */
const deep = fc.nat({ max: 2000 }).map((n) => {
  let value: unknown = 1;
  for (let i = 0; i < n; i++) value = i % 2 ? { a: value } : [value];
  return value;
});

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}, [null], { __proto__: { admin: true } }),
  deep,
  fc.array(hostileText, { maxLength: 3 }),
);

export class SchemaArbitraries {
  constructor(private readonly components: Record<string, JsonSchema>) {}

  private resolve(schema: JsonSchema): JsonSchema {
    if (!schema.$ref) return schema;
    const name = schema.$ref.split('/').at(-1)!;
    return this.resolve(this.components[name] ?? {});
  }

  /** Mostly what the schema allows, sometimes anything hostile. */
  of(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
    return fc.oneof(
      { weight: 4, arbitrary: this.valid(schema, depth) },
      { weight: 1, arbitrary: hostileValue },
    );
  }

  /** Values of the schema's own shape (their contents may still be hostile a level down). */
  valid(raw: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(raw);
    if (schema.const !== undefined) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const choices = schema.anyOf ?? schema.oneOf;
    if (choices) return fc.oneof(...choices.map((c) => this.valid(c, depth)));
    if (schema.allOf) return this.valid(schema.allOf[0]!, depth);
    const types = [schema.type ?? 'string'].flat();
    return fc.oneof(...types.map((t) => this.ofType(t, schema, depth)));
  }

  private ofType(type: string, s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    switch (type) {
      case 'integer':
        return fc.oneof(
          fc.integer({ min: s.minimum ?? -(2 ** 31), max: s.maximum ?? 2 ** 31 - 1 }),
          fc.integer({ min: 1, max: 50 }),
        );
      case 'number':
        return fc.double({
          min: s.minimum ?? -1e9,
          max: s.maximum ?? 1e9,
          noNaN: true,
          noDefaultInfinity: true,
        });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return fc.array(depth > 4 ? fc.constant(1) : this.of(s.items ?? {}, depth + 1), {
          minLength: s.minItems ?? 0,
          maxLength: Math.min(s.maxItems ?? 5, 5),
        });
      case 'object':
        return this.object(s, depth);
      default:
        return this.text(s);
    }
  }

  private text(s: JsonSchema): fc.Arbitrary<unknown> {
    if (s.format === 'email') return fc.emailAddress();
    if (s.format === 'uri') return fc.webUrl();
    return fc.oneof(
      fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 30, 30) }),
      fc.constantFrom('Москва', '+7 916 123-45-67', 'Иван', 'new', 'price', '1'),
    );
  }

  private object(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    const props = Object.entries(s.properties ?? {});
    const required = new Set(s.required ?? []);
    const fields = Object.fromEntries(
      props.map(([name, p]) => [name, depth > 4 ? fc.constant(1) : this.of(p, depth + 1)]),
    );
    const base = fc.record(fields, {
      requiredKeys: props.map(([n]) => n).filter((n) => required.has(n)),
    });
    // Now and then a required field is missing or an unknown one is added.
    return fc.tuple(base, fc.nat({ max: 9 }), hostileValue).map(([value, roll, extra]) => {
      const out: Record<string, unknown> = { ...(value as object) };
      if (roll === 0 && props.length > 0) delete out[props[0]![0]];
      if (roll === 1) out.is_staff = extra;
      return out;
    });
  }
}
