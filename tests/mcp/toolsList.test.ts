import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATUS_WAIT_SECONDS } from '../../electron/mcp/schemas.js';
import { defaultSettings } from '../../shared/settings.js';
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
    'web',
    'project_dir',
    'preview',
    'wait_seconds',
    'idempotency_key',
  ],
  edit_image: [
    'image',
    'mode',
    'prompt',
    'negative_prompt',
    'mask',
    'region',
    'strength',
    'extend',
    'scale',
    'save_path',
    'width',
    'height',
    'seed',
    'format',
    'workflow',
    'overwrite',
    'web',
    'project_dir',
    'preview',
    'wait_seconds',
    'idempotency_key',
  ],
  batch_generate_images: ['items', 'defaults', 'project_dir', 'idempotency_key'],
  check_batch_status: ['batch_id', 'wait_seconds'],
  cancel_batch: ['batch_id'],
  list_generated_images: ['directory', 'query', 'limit', 'cursor', 'project_dir'],
  check_comfyui_status: [],
  convert_image: [
    'paths',
    'directory',
    'recursive',
    'format',
    'quality',
    'keep_original',
    'overwrite',
    'project_dir',
    'web',
  ],
};

const perCallArguments = ['preview', 'wait_seconds', 'idempotency_key', 'project_dir'];
const generateItemFields = expectedArguments.generate_image!.filter(
  (name) => !perCallArguments.includes(name),
);
/** A batch item that is an edit names its source and mode; its other edit fields are advertised on edit_image. */
const itemFields = [...generateItemFields, 'image', 'mode'];

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

it('waits by default well within the 60 s at which LangChain, mcp-use and mcporter cut any call', () => {
  expect(defaultSettings.defaultWaitSeconds).toBeLessThanOrEqual(45);
  expect(DEFAULT_STATUS_WAIT_SECONDS).toBeLessThanOrEqual(30);
});

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
    expect(input('list_generated_images').required ?? []).toEqual([]);
    expect(input('convert_image').required ?? []).toEqual([]);
  });

  it('gives batch items and defaults the generate fields (and image + mode) without the per-call ones', () => {
    const schema = input('batch_generate_images');
    const batch = schema.properties!;
    const item = resolve(schema, batch.items!.items!);
    expect(Object.keys(item.properties!).sort()).toEqual([...itemFields].sort());
    expect(Object.keys(resolve(schema, batch.defaults!).properties!).sort()).toEqual([...itemFields].sort());
    expect(item.properties!.width).toMatchObject({ minimum: 64, maximum: 4096 });
    expect(batch.items!.minItems).toBe(1);
    expect(batch.items!.maxItems).toBe(100);
  });

  it('advertises the bounds', () => {
    const generate = input('generate_image').properties!;
    expect(generate.prompt!.maxLength).toBe(4000);
    expect([generate.width!.minimum, generate.width!.maximum]).toEqual([64, 4096]);
    expect([generate.height!.minimum, generate.height!.maximum]).toEqual([64, 4096]);
    expect(generate.seed!.minimum).toBe(0);
    expect([generate.wait_seconds!.minimum, generate.wait_seconds!.maximum]).toEqual([0, 300]);
    const convert = input('convert_image').properties!;
    expect([convert.quality!.minimum, convert.quality!.maximum]).toEqual([1, 100]);
    expect([convert.paths!.minItems, convert.paths!.maxItems]).toEqual([1, 100]);
    expect(convert.format).toMatchObject({ enum: ['webp', 'avif', 'jpeg', 'png'] });
    const edit = input('edit_image').properties!;
    expect([edit.strength!.minimum, edit.strength!.maximum]).toEqual([0, 1]);
    expect(edit.scale).toMatchObject({ enum: [2, 4] });
    expect(edit.mode).toMatchObject({
      enum: ['restyle', 'inpaint', 'outpaint', 'upscale', 'remove_background'],
    });
    expect(input('edit_image').required).toEqual(['image', 'mode']);
  });

  it("enforces a batch item's edit fields that only edit_image advertises", async () => {
    const client = await connect(era, bridge.url);
    try {
      const item = {
        image: 'hero.png',
        mode: 'inpaint',
        prompt: 'a hat',
        region: { x: 1, y: 2, width: 3, height: 4 },
      };
      const accepted = await client.callTool('batch_generate_images', { items: [item] });
      expect(accepted.isError, JSON.stringify(accepted.content)).toBeFalsy();
      for (const bad of [
        { ...item, region: { x: -1, y: 2, width: 3, height: 4 } },
        { ...item, strength: 1.5 },
        { ...item, scale: 3 },
        { ...item, mode: 'colorize' },
      ]) {
        const refused = await client.callTool('batch_generate_images', { items: [bad] });
        expect(refused.isError, JSON.stringify(bad)).toBe(true);
      }
    } finally {
      await client.close();
    }
  });

  it('leaves out the caps no sensible call reaches, and still enforces them', async () => {
    const generate = input('generate_image').properties!;
    expect(generate.seed!.maximum).toBeUndefined();
    expect(generate.idempotency_key!.maxLength).toBeUndefined();
    const client = await connect(era, bridge.url);
    try {
      const tooLong = await client.callTool('check_batch_status', { batch_id: 'b'.repeat(201) });
      expect(tooLong.isError).toBe(true);
      expect(JSON.stringify(tooLong.content)).toMatch(/batch_id/);
    } finally {
      await client.close();
    }
  });

  it('gives every tool a description, an output schema and the annotations a client acts on', () => {
    const readOnly = ['check_batch_status', 'list_generated_images', 'check_comfyui_status'];
    for (const candidate of tools) {
      const name = String(candidate.name);
      const annotations = candidate.annotations as Record<string, boolean>;
      expect(candidate.description, name).toEqual(expect.any(String));
      expect((candidate.outputSchema as { type?: string }).type, name).toBe('object');
      // destructiveHint and openWorldHint default to true, so both are always given; a missing readOnlyHint or
      // idempotentHint reads as false, the cautious value, so only `true` is ever given.
      expect(annotations, name).toMatchObject({
        destructiveHint: name === 'cancel_batch',
        openWorldHint: false,
      });
      expect(annotations.readOnlyHint, name).toBe(readOnly.includes(name) ? true : undefined);
      expect(annotations.idempotentHint, name).toBe(name === 'cancel_batch' ? true : undefined);
    }
  });

  it('says where an image goes without save_path, and how to name the project', () => {
    const generate = input('generate_image').properties!;
    expect(generate.save_path!).toMatchObject({
      description:
        'Relative to the project. Default: its public/, static/ or assets/, else the output folder',
    });
    expect(generate.project_dir!).toMatchObject({ description: 'Absolute; default: the client root' });
  });

  it('annotates convert_image as its default behaves, and names the destructive choice', () => {
    // keep_original defaults to true: a default call only adds files, so clients need not ask for approval.
    expect(tool('convert_image').annotations).toEqual({ destructiveHint: false, openWorldHint: false });
    expect(tool('convert_image').description).toMatch(/keep_original: false deletes/);
    expect(input('convert_image').properties!.keep_original).toMatchObject({
      description: 'Default true; false deletes the source',
    });
  });

  it('advertises the web option once, on generate_image, with every purpose and key; the others point to it', () => {
    const described = input('generate_image').properties!.web as JsonSchemaObject & { description?: string };
    for (const word of ['hero', 'card', 'thumbnail', 'avatar', 'icon', 'og', 'background']) {
      expect(described.description).toContain(word);
    }
    for (const key of ['purpose', 'widths', 'formats', 'max_bytes', 'placeholder', 'base_url']) {
      expect(described.description).toContain(key);
    }
    expect(input('convert_image').properties!.web).toMatchObject({ description: 'As on generate_image' });
  });

  it('tells the agent to split long waits, which many clients cut at 60 s', () => {
    expect(tool('generate_image').description).toMatch(/split long waits into check_batch_status calls/);
    expect(tool('check_batch_status').description).toMatch(/Long-poll ≤ 45 s per call; call again/);
    expect(input('generate_image').properties!.wait_seconds).toMatchObject({ description: 'Default 45' });
    expect(input('check_batch_status').properties!.wait_seconds).toMatchObject({ description: 'Default 0' });
  });

  it('keeps the whole tools/list payload within 8 KB', () => {
    const bytes = Buffer.byteLength(JSON.stringify({ tools }));
    expect(bytes).toBeLessThanOrEqual(8 * 1024);
    // The eight tools take 7,946 bytes: convert_image replaced the two WebP tools (one tool for one image or many,
    // in four formats), which freed the room for the `web` option on every tool that makes an image (described once
    // on generate_image, a bare `web` elsewhere, checked by web/option-problems.ts) and for the MCP App's view
    // address in `_meta.ui.resourceUri` on the four tools whose result it shows (52 bytes each). Earlier, edit_image
    // made room for itself by advertising once what it shares with generate_image and a batch item's edit fields
    // past image and mode (advertise.ts `field`). A change that needs more than is left trims first.
    expect(bytes).toBeLessThanOrEqual(7_960);
  });
});
