import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createFakeService, eras, startBridge } from './harness.js';
import type { Bridge } from './harness.js';

const expectedArguments: Record<string, string[]> = {
  generate_image: [
    'prompt',
    'negative_prompt',
    'save_path',
    'width',
    'height',
    'seed',
    'format',
    'workflow',
    'overwrite',
    'preview',
    'wait_seconds',
  ],
  batch_generate_images: ['items', 'defaults'],
  check_batch_status: ['batch_id', 'wait_seconds'],
  cancel_batch: ['batch_id'],
  list_generated_images: ['directory', 'query', 'limit', 'cursor'],
  check_comfyui_status: [],
  convert_to_webp: ['path', 'output_path', 'quality', 'lossless', 'max_width', 'keep_original'],
  batch_convert_to_webp: [
    'paths',
    'directory',
    'recursive',
    'quality',
    'lossless',
    'max_width',
    'keep_original',
  ],
};

const generateItemFields = expectedArguments.generate_image!.filter(
  (name) => name !== 'preview' && name !== 'wait_seconds',
);

interface JsonSchemaObject {
  properties?: Record<string, JsonSchemaObject & { items?: JsonSchemaObject }>;
  required?: string[];
  items?: JsonSchemaObject;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchemaObject>;
}

/** Follows a local `#/$defs/name` reference, the only kind the server emits. */
function resolve(root: JsonSchemaObject, node: JsonSchemaObject): JsonSchemaObject {
  if (node.$ref === undefined) return node;
  const name = /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1];
  const target = name === undefined ? undefined : root.$defs?.[name];
  if (!target) throw new Error(`unresolvable $ref ${node.$ref}`);
  return target;
}

let bridge: Bridge;
beforeAll(async () => {
  bridge = await startBridge(createFakeService().service);
});
afterAll(() => bridge.close());

describe.each(eras)('tools/list for a %s-era client', (era) => {
  let tools: Record<string, unknown>[];
  beforeAll(async () => {
    const client = await connect(era, bridge.url);
    tools = (await client.listTools()).tools;
    await client.close();
  });
  const tool = (name: string) => tools.find((candidate) => candidate.name === name)!;
  const input = (name: string) => tool(name).inputSchema as JsonSchemaObject;

  it('lists exactly the eight tools', () => {
    expect(tools.map((candidate) => candidate.name).sort()).toEqual(Object.keys(expectedArguments).sort());
  });

  it.each(Object.entries(expectedArguments))('%s takes exactly its documented arguments', (name, args) => {
    expect(Object.keys(input(name).properties ?? {}).sort()).toEqual([...args].sort());
  });

  it('marks only the truly required arguments as required', () => {
    expect(input('generate_image').required).toEqual(['prompt']);
    expect(input('batch_generate_images').required).toEqual(['items']);
    expect(input('check_batch_status').required).toEqual(['batch_id']);
    expect(input('cancel_batch').required).toEqual(['batch_id']);
    expect(input('convert_to_webp').required).toEqual(['path']);
    expect(input('list_generated_images').required ?? []).toEqual([]);
    expect(input('batch_convert_to_webp').required ?? []).toEqual([]);
  });

  it('gives batch items and defaults the generate fields without preview and wait_seconds', () => {
    const schema = input('batch_generate_images');
    const batch = schema.properties!;
    const item = resolve(schema, batch.items!.items!);
    expect(Object.keys(item.properties!).sort()).toEqual([...generateItemFields].sort());
    expect(Object.keys(resolve(schema, batch.defaults!).properties!).sort()).toEqual(
      [...generateItemFields].sort(),
    );
    expect(item.properties!.width).toMatchObject({ minimum: 64, maximum: 4096 });
    expect(batch.items!.minItems).toBe(1);
    expect(batch.items!.maxItems).toBe(100);
  });

  it('advertises the bounds', () => {
    const generate = input('generate_image').properties!;
    expect(generate.prompt!.maxLength).toBe(4000);
    expect([generate.width!.minimum, generate.width!.maximum]).toEqual([64, 4096]);
    expect([generate.height!.minimum, generate.height!.maximum]).toEqual([64, 4096]);
    expect([generate.seed!.minimum, generate.seed!.maximum]).toEqual([0, Number.MAX_SAFE_INTEGER]);
    expect([generate.wait_seconds!.minimum, generate.wait_seconds!.maximum]).toEqual([0, 300]);
    const quality = input('convert_to_webp').properties!.quality!;
    expect([quality.minimum, quality.maximum]).toEqual([1, 100]);
  });

  it('gives every tool a description, an output schema and all four annotations', () => {
    for (const candidate of tools) {
      expect(candidate.description, String(candidate.name)).toEqual(expect.any(String));
      expect((candidate.outputSchema as { type?: string }).type, String(candidate.name)).toBe('object');
      expect(Object.keys(candidate.annotations as object).sort(), String(candidate.name)).toEqual(
        ['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint'].sort(),
      );
    }
    expect(tool('check_batch_status').annotations).toMatchObject({ readOnlyHint: true });
    expect(tool('convert_to_webp').annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });

  it('keeps the whole tools/list payload within 8 KB', () => {
    const bytes = Buffer.byteLength(JSON.stringify({ tools }));
    expect(bytes).toBeLessThanOrEqual(8 * 1024);
  });
});
