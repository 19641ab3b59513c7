import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolContext } from '../core/harness.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { removeDirs, sd15Models, startReliabilityCore, tempDir, type ReliabilityCore } from './fixtures.js';

/*
 * Malformed and hostile workflow files dropped into the user workflows folder: each is named in a clear error
 * when a call asks for it, costs little to reject, and leaves the good workflows and the server working.
 */

const save = (from: string) => ({
  class_type: 'SaveImage',
  inputs: { filename_prefix: 'x', images: [from, 0] },
});
const empty = { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } };

/** A chain of n nodes: deep enough to overflow a recursive walk, long enough to exceed the node limit. */
function chain(n: number): Record<string, unknown> {
  const graph: Record<string, unknown> = { '0': empty };
  for (let i = 1; i < n; i++)
    graph[String(i)] = { class_type: 'ImageInvert', inputs: { image: [String(i - 1), 0] } };
  graph[String(n)] = save(String(n - 1));
  return graph;
}

const hostileFiles: [id: string, content: string, message: RegExp][] = [
  [
    'ui-format',
    JSON.stringify({ nodes: [{ id: 1 }], links: [], version: 0.4 }),
    /UI-format workflow.*Export \(API\)/,
  ],
  ['not-json', '{"1": {"class_type": ', /not valid JSON/],
  ['an-array', '[1, 2, 3]', /not a ComfyUI API-format workflow/],
  ['no-nodes', '{}', /empty workflow/],
  [
    'cycle',
    JSON.stringify({
      '1': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': save('2'),
    }),
    /has a cycle \(.*\)/,
  ],
  [
    'missing-link',
    JSON.stringify({ '1': empty, '2': save('9') }),
    /links to node 9, which is not in the workflow/,
  ],
  ['no-class', JSON.stringify({ '1': { inputs: {} }, '2': save('1') }), /has no class_type/],
  ['no-output', JSON.stringify({ '1': empty }), /no image output node/],
  ['huge-graph', JSON.stringify(chain(2_500)), /2501 nodes; workflows are limited to 2000/],
  [
    'huge-file',
    JSON.stringify({ ...chain(10), padding: 'x'.repeat(6 * 1024 * 1024) }),
    /limited to \d+ bytes/,
  ],
  [
    'proto-pollution',
    '{"__proto__": {"class_type": "SaveImage", "inputs": {}}, "constructor": 1}',
    /node constructor is not an object/,
  ],
];

describe('malformed and hostile workflow files', () => {
  let fake: FakeComfyUI;
  let fixture: ReliabilityCore;
  let userDir: string;

  beforeAll(async () => {
    userDir = join(tempDir('workflows'), 'user');
    mkdirSync(userDir);
    for (const [id, content] of hostileFiles) writeFileSync(join(userDir, `${id}.json`), content);
    // A deep but legal chain: must load, not overflow a stack.
    writeFileSync(join(userDir, 'deep-chain.json'), JSON.stringify(chain(1_900)));
    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 1 });
    fixture = await startReliabilityCore({ urls: [fake.url], settings: { userWorkflowsDir: userDir } });
  });

  afterAll(async () => {
    await fixture?.core.stop();
    await fake?.close();
    removeDirs(join(userDir, '..'), fixture?.dataDir ?? '', fixture?.outputDir ?? '');
  });

  it.each(hostileFiles)(
    '%s.json is refused with a clear error naming the file',
    async (id, _content, message) => {
      const entry = fixture.core.workflows.get(id);
      expect(entry?.status).toBe('error');
      const { ctx } = toolContext();
      const call = fixture.core.service.generateImage({ prompt: 'x', workflow: id, wait_seconds: 0 }, ctx);
      await expect(call).rejects.toMatchObject({ code: 'workflow_invalid' });
      const error = (await call.catch((caught: unknown) => caught)) as Error;
      expect(error.message).toContain(`Workflow "${id}" cannot be used`);
      expect(error.message).toMatch(message);
      expect(error.message.length).toBeLessThan(1_000);
    },
  );

  it('still loads the deep legal chain and runs the bundled workflows', async () => {
    expect(fixture.core.workflows.get('deep-chain')?.status).toBe('ok');
    const { ctx } = toolContext();
    const result = await fixture.core.service.generateImage(
      { prompt: 'still fine', workflow: 'test-pattern', width: 64, height: 64, wait_seconds: 30 },
      ctx,
    );
    expect(result.status).toBe('completed');
  });
});
