import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { advertise } from '../../electron/mcp/advertise.js';

/** A real zod schema whose JSON Schema conversions are counted (the HTTP endpoint builds a server per request). */
function countedSchema() {
  const schema = z.object({ prompt: z.string().describe('What to draw'), seed: z.number().int().optional() });
  const standard = schema['~standard'];
  const conversions = { input: 0, output: 0 };
  const counted = new Proxy(schema, {
    get(target, key, receiver) {
      if (key !== '~standard') return Reflect.get(target, key, receiver) as unknown;
      return {
        ...standard,
        jsonSchema: {
          input: (options: Parameters<typeof standard.jsonSchema.input>[0]) => {
            conversions.input++;
            return standard.jsonSchema.input(options);
          },
          output: (options: Parameters<typeof standard.jsonSchema.output>[0]) => {
            conversions.output++;
            return standard.jsonSchema.output(options);
          },
        },
      };
    },
  });
  return { schema: counted, conversions };
}

const draft = { target: 'draft-2020-12' } as const;

describe('advertise', () => {
  it('converts a schema once per process, however many servers advertise it', () => {
    const { schema, conversions } = countedSchema();
    const servers = [advertise(schema), advertise(schema), advertise(schema)];
    const inputs = servers.map((server) => server['~standard'].jsonSchema.input(draft));
    const outputs = servers.map((server) => server['~standard'].jsonSchema.output(draft));
    expect(conversions).toEqual({ input: 1, output: 1 });
    expect(inputs[1]).toBe(inputs[0]);
    expect(outputs[2]).toBe(outputs[0]);
    expect(inputs[0]).toMatchObject({
      type: 'object',
      properties: { prompt: { type: 'string', description: 'What to draw' } },
    });
    expect(inputs[0]).not.toHaveProperty('$schema');
  });

  it('converts again for other options, and shares results no caller can change', () => {
    const { schema, conversions } = countedSchema();
    const wrapped = advertise(schema)['~standard'].jsonSchema;
    const json = wrapped.input(draft);
    wrapped.input({ target: 'draft-07' });
    expect(conversions.input).toBe(2);
    expect(() => {
      (json as { properties: Record<string, unknown> }).properties.extra = {};
    }).toThrow(TypeError);
  });

  it('still validates with zod', () => {
    const wrapped = advertise(z.object({ prompt: z.string() }))['~standard'];
    expect(wrapped.validate({ prompt: 'a lighthouse' })).toEqual({ value: { prompt: 'a lighthouse' } });
    expect(wrapped.validate({ prompt: 3 })).toHaveProperty('issues');
  });
});
