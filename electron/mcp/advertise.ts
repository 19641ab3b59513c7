import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type * as z from 'zod';

/*
 * Every byte of tools/list is paid for in each agent's context, and clients drop tools from oversized
 * servers (the payload is capped by a test). This wraps a zod schema so validation stays zod's while the
 * advertised JSON Schema leaves out what tells the model nothing: the `$schema` dialect marker repeated on
 * every tool and, in result schemas, zod's `additionalProperties: false`, `required` lists and types. The
 * advertised result schema is therefore looser than the real one, never stricter.
 */
export function advertise<Schema extends z.ZodType>(
  schema: Schema,
): StandardSchemaWithJSON<z.input<Schema>, z.output<Schema>> {
  const known = advertised.get(schema);
  if (known) return known as StandardSchemaWithJSON<z.input<Schema>, z.output<Schema>>;
  const standard = schema['~standard'] as StandardSchemaWithJSON<
    z.input<Schema>,
    z.output<Schema>
  >['~standard'];
  const wrapped: StandardSchemaWithJSON<z.input<Schema>, z.output<Schema>> = {
    '~standard': {
      ...standard,
      jsonSchema: {
        input: once((options) => compact(standard.jsonSchema.input(options), inputNoise)),
        output: once((options) => compact(standard.jsonSchema.output(options), outputNoise)),
      },
    },
  };
  advertised.set(schema, wrapped);
  return wrapped;
}

/*
 * The HTTP endpoint builds a server per request, and the SDK converts a tool's schemas to JSON Schema once per
 * server: for every tools/call it converted the called tool's input and output schemas anew (about 3 ms of CPU
 * and their garbage per call, seen in a CPU profile). The schemas are fixed, so each conversion is made once per
 * process. The results are frozen: one shared object must not be changed by any caller.
 */
const advertised = new WeakMap<z.ZodType, unknown>();

type Convert = StandardSchemaWithJSON['~standard']['jsonSchema']['input'];

function once(convert: Convert): Convert {
  const byOptions = new Map<string, ReturnType<Convert>>();
  return (options) => {
    const key = JSON.stringify(options);
    let json = byOptions.get(key);
    if (!json) {
      json = deepFreeze(convert(options));
      byOptions.set(key, json);
    }
    return json;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const UNADVERTISED = 'x-unadvertised';

/**
 * Marks bounds that are sanity caps no sensible call reaches (a 200-character batch id, a seed past 2^53): zod
 * still enforces them, but the advertised schema leaves them out. Bounds an agent can meet (prompt length, image
 * size, wait, batch size) stay advertised, apart from lower bounds of 0 on counts of pixels and seeds. An object
 * whose description names its keys leaves out `properties`. `field` leaves the whole property out: a batch item's
 * edit fields beyond image and mode, which the items' description points to edit_image for.
 */
export function unadvertised(
  ...keywords: (
    'maxLength' | 'minLength' | 'minimum' | 'maximum' | 'properties' | 'required' | 'enum' | 'field'
  )[]
) {
  return { [UNADVERTISED]: keywords };
}

type Noise = (key: string, value: unknown, node: Record<string, unknown>, isRoot: boolean) => boolean;

const inputNoise: Noise = (key, _value, node) =>
  key === '$schema' ||
  key === UNADVERTISED ||
  (Array.isArray(node[UNADVERTISED]) &&
    (node[UNADVERTISED].includes(key) ||
      // Without its properties, a strict object's `additionalProperties: false` would read as "no keys at all".
      (key === 'additionalProperties' && node[UNADVERTISED].includes('properties'))));
// Below the root (whose type MCP requires) a result schema keeps field names, nesting and enums but no `type`:
// the model reads the values themselves, and names such as `path`, `bytes` or `done` already say what they hold.
const outputNoise: Noise = (key, value, node, isRoot) =>
  inputNoise(key, value, node, isRoot) ||
  key === 'required' ||
  (key === 'additionalProperties' && value === false) ||
  (key === 'type' && !isRoot);

function compact(node: Record<string, unknown>, isNoise: Noise, isRoot = true): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (isNoise(key, value, node, isRoot)) continue;
    result[key] = key === 'properties' ? compactPropertyMap(value, isNoise) : compactValue(value, isNoise);
  }
  return result;
}

// Inside `properties` the keys are field names, never schema keywords.
function compactPropertyMap(map: unknown, isNoise: Noise): unknown {
  if (typeof map !== 'object' || map === null) return map;
  return Object.fromEntries(
    Object.entries(map)
      .filter(([, schema]) => !isHiddenField(schema))
      .map(([name, schema]) => [name, compactValue(schema, isNoise)]),
  );
}

function isHiddenField(schema: unknown): boolean {
  const marks = (schema as Record<string, unknown> | null)?.[UNADVERTISED];
  return Array.isArray(marks) && marks.includes('field');
}

function compactValue(value: unknown, isNoise: Noise): unknown {
  if (Array.isArray(value)) return value.map((item) => compactValue(item, isNoise));
  if (typeof value === 'object' && value !== null)
    return compact(value as Record<string, unknown>, isNoise, false);
  return value;
}
