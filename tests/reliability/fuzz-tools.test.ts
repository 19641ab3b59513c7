// One file: one fuzzing run; the arbitraries aim at the sandbox beforeAll builds, and the second case checks
// the jobs the first one accepted.
import { mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInsideFolder } from '../../electron/images/path-rules.js';
import { editModes } from '../../shared/generation.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { connect, type TestClient } from '../mcp/harness.js';
import {
  removeDirs,
  sd15Models,
  snapshotTree,
  startReliabilityCore,
  tempDir,
  type ReliabilityCore,
} from './fixtures.js';
import { field, hostilePath, present, wrongValue } from './hostile-input.js';
import { editWorkflowsDir } from '../mcp-e2e/edit-fixtures.js';

/*
 * Property-based fuzzing of every MCP tool over real HTTP with a real MCP client: thousands of seeded cases of
 * hostile paths, wrong types and out-of-range values. Every call must end in a valid result or a clean error
 * (never the bridge's internal_error), the server must keep answering, and nothing may be written, replaced or
 * deleted outside the allowed folders. Generation is paused while fuzzing (so a valid call returns at once);
 * afterwards the accepted small jobs really run, and where their files landed is checked too.
 */

const seed = 0x5eed_2026;
const runsPerTool = 260;

describe('fuzzing the MCP tools', () => {
  let base: string;
  let project: string;
  let outside: string;
  let fixture: ReliabilityCore;
  let fake: FakeComfyUI;
  let client: TestClient;
  let forbidden: string[];
  const knownBatches: string[] = [];
  const internalErrors: string[] = [];

  beforeAll(async () => {
    base = realpathSync(tempDir('fuzz'));
    project = join(base, 'project');
    outside = join(base, 'outside');
    mkdirSync(join(project, 'sub'), { recursive: true });
    mkdirSync(outside);
    const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#3366aa' } })
      .png()
      .toBuffer();
    for (const path of [
      join(project, 'image.png'),
      join(project, 'sub', 'photo.png'),
      join(outside, 'secret.png'),
    ])
      writeFileSync(path, png);
    writeFileSync(join(outside, 'image.png'), png);
    // Links inside the project that lead out of it: writes and reads through them must be refused.
    symlinkSync(outside, join(project, 'escape'), 'dir');
    symlinkSync(join(outside, 'secret.png'), join(project, 'escape-file.png'));
    // An images folder that is a link out: an image without save_path (project_dir: sub) must not follow it.
    symlinkSync(outside, join(project, 'sub', 'public'), 'dir');
    forbidden = [outside, base, join(project, '..', 'outside'), join(project, 'escape')];

    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 1 });
    fixture = await startReliabilityCore({
      urls: [fake.url],
      outputDir: join(base, 'out'),
      // The model-free edit workflows as the user's, so that edits pass the workflow check and reach the paths.
      settings: { paused: true, defaultWaitSeconds: 0, userWorkflowsDir: editWorkflowsDir },
    });
    client = await connect('2026', new URL(fixture.core.mcpUrl), {
      roots: [project],
      token: fixture.core.settings.get().mcpToken,
    });
  });

  afterAll(async () => {
    await client?.close();
    await fixture?.core.stop();
    await fake?.close();
    removeDirs(base, fixture?.dataDir ?? '');
  });

  /** The one property every call must satisfy: a structured result or a clean, explained error. */
  async function callCleanly(tool: string, args: Record<string, unknown>): Promise<void> {
    let result;
    try {
      result = await client.callTool(tool, args);
    } catch (error) {
      // Only a JSON-RPC "invalid params" is acceptable as a thrown error; it must still say what was wrong.
      expect((error as { code?: number }).code, `${tool} ${JSON.stringify(args)}`).toBe(-32602);
      expect(String((error as Error).message).length).toBeGreaterThan(0);
      return;
    }
    const text = result.content.map((block) => (block.type === 'text' ? String(block.text) : '')).join('');
    if (result.isError) {
      expect(text.length, `${tool}: error without text`).toBeGreaterThan(0);
      const code = (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code;
      if (code === 'internal_error') internalErrors.push(`${tool} ${JSON.stringify(args)}: ${text}`);
      expect(code, `${tool} ${JSON.stringify(args)}`).not.toBe('internal_error');
      return;
    }
    expect(result.structuredContent, `${tool}: result without structuredContent`).toBeDefined();
    const accepted = result.structuredContent as { batch_id?: string };
    if (typeof accepted.batch_id === 'string') knownBatches.push(accepted.batch_id);
  }

  const savePath = () => field(hostilePath(forbidden));
  const imageFields = () => ({
    prompt: field(fc.oneof(fc.string({ maxLength: 40 }), fc.constant('p'.repeat(4001)))),
    negative_prompt: field(fc.string({ maxLength: 20 })),
    save_path: savePath(),
    width: field(fc.integer({ min: -8, max: 5000 })),
    height: field(fc.integer({ min: -8, max: 5000 })),
    seed: field(fc.oneof(fc.integer({ min: -5, max: 2 ** 31 }), fc.constant(Number.MAX_SAFE_INTEGER + 2))),
    format: field(fc.constantFrom('png', 'jpeg', 'webp', 'gif', 'PNG', '')),
    workflow: field(fc.constantFrom('test-pattern', 'sd15', 'no-such', '../sd15', '', 'x'.repeat(201))),
    overwrite: field(fc.boolean()),
  });
  // Mostly valid fields around a save path that is hostile half the time: the calls that get through the
  // argument checks are the ones whose paths the policy must get right.
  const plausibleImage = () =>
    fc
      .record({
        prompt: fc.string({ minLength: 1, maxLength: 30 }),
        save_path: fc.oneof(
          fc.uuid().map((id) => `fuzz/${id}.png`),
          fc.tuple(hostilePath(forbidden), fc.uuid()).map(([path, id]) => `${path}/${id.slice(0, 8)}.png`),
          hostilePath(forbidden),
        ),
        width: fc.integer({ min: 64, max: 256 }),
        height: fc.integer({ min: 64, max: 256 }),
        workflow: fc.constant('test-pattern'),
        overwrite: field(fc.boolean()),
      })
      .map(present);
  // A valid wait above 0 would block the call (generation is paused), so only 0 or invalid waits are drawn.
  const waitSeconds = fc.oneof(fc.constantFrom(0, -1, 301, Number.NaN, 'soon'), fc.constant(undefined));
  const batchId = fc.oneof(
    fc.constant('KNOWN'),
    fc.constantFrom('b_0000000000000000', '', '../batches/x', 'x'.repeat(250)),
    wrongValue,
  );
  const withKnownBatch = (args: Record<string, unknown>) =>
    args.batch_id === 'KNOWN' ? { ...args, batch_id: knownBatches.at(-1) ?? 'none-yet' } : args;
  // The project folder an agent names: hostile, or the project and a folder in it.
  const projectDir = () =>
    field(fc.oneof(hostilePath(forbidden), fc.constantFrom(project, join(project, 'sub'))));
  const convertOptions = {
    format: field(fc.constantFrom('webp', 'avif', 'jpeg', 'png', 'gif', 'WEBP', '')),
    quality: field(fc.integer({ min: -1, max: 101 })),
    keep_original: field(fc.boolean()),
    overwrite: field(fc.boolean()),
    // Small purposes only (an icon's three widths): a valid web option on a real image encodes AVIF.
    web: field(
      fc.oneof(
        fc.constantFrom('icon', 'og', 'banner', '', 'ICON'),
        fc.record({
          purpose: field(fc.constantFrom('icon', 'avatar', 'og', 'x')),
          widths: field(fc.array(fc.integer({ min: -1, max: 5000 }), { maxLength: 3 })),
          formats: field(fc.array(fc.constantFrom('webp', 'gif', 'jpeg'), { maxLength: 2 })),
          max_bytes: field(fc.integer({ min: 0, max: 30_000_000 })),
          base_url: field(fc.constantFrom('/img', 'javascript:alert(1)', 'https://cdn.example/a', '')),
        }),
        wrongValue,
      ),
    ),
  };

  // Built inside the test: the sandbox paths the arbitraries aim at exist only after beforeAll.
  const toolArbitraries = (): [string, fc.Arbitrary<Record<string, unknown>>][] => [
    [
      'generate_image',
      fc.oneof(
        fc
          .record({
            ...imageFields(),
            project_dir: projectDir(),
            preview: field(fc.boolean()),
            wait_seconds: waitSeconds,
          })
          .map(present),
        plausibleImage(),
      ),
    ],
    [
      'edit_image',
      fc.oneof(
        fc
          .record({
            ...imageFields(),
            image: field(fc.oneof(hostilePath(forbidden), fc.constantFrom('image.png', 'sub/photo.png'))),
            mode: field(fc.constantFrom(...editModes, 'colorize', '')),
            mask: field(fc.oneof(hostilePath(forbidden), fc.constant('image.png'))),
            region: field(
              fc.record({
                x: fc.integer({ min: -2, max: 40 }),
                y: fc.integer({ min: -2, max: 30 }),
                width: fc.integer({ min: -1, max: 50 }),
                height: fc.integer({ min: -1, max: 50 }),
              }),
            ),
            strength: field(fc.double({ min: -0.5, max: 1.5, noNaN: false })),
            extend: field(
              fc.record({ left: fc.integer({ min: -4, max: 5000 }), top: fc.integer({ min: 0, max: 64 }) }),
            ),
            scale: field(fc.constantFrom(1, 2, 3, 4, 2.5)),
            project_dir: projectDir(),
            wait_seconds: waitSeconds,
          })
          .map(present),
        // Valid edits of the project's image, saved where a hostile path says half the time.
        fc
          .record({
            image: fc.constantFrom('image.png', 'sub/photo.png'),
            mode: fc.constantFrom('upscale', 'remove_background'),
            save_path: field(
              fc.oneof(
                fc.uuid().map((id) => `fuzz/${id}.png`),
                hostilePath(forbidden),
              ),
            ),
            overwrite: field(fc.boolean()),
          })
          .map(present),
      ),
    ],
    [
      'batch_generate_images',
      fc
        .record({
          items: fc.oneof(
            fc.array(fc.record(imageFields()).map(present), { minLength: 0, maxLength: 4 }),
            fc.array(plausibleImage(), { minLength: 1, maxLength: 3 }),
            fc.constant(Array.from({ length: 101 }, () => ({ prompt: 'too many' }))),
            wrongValue,
          ),
          defaults: field(fc.record(imageFields()).map(present)),
          project_dir: projectDir(),
        })
        .map(present),
    ],
    [
      'check_batch_status',
      fc.record({ batch_id: batchId, wait_seconds: waitSeconds }).map(present).map(withKnownBatch),
    ],
    ['cancel_batch', fc.record({ batch_id: batchId }).map(present).map(withKnownBatch)],
    [
      'list_generated_images',
      fc
        .record({
          directory: field(hostilePath(forbidden)),
          query: field(fc.string({ maxLength: 30 })),
          limit: field(fc.integer({ min: -5, max: 300 })),
          cursor: field(fc.oneof(fc.string({ maxLength: 30 }), fc.base64String({ maxLength: 40 }))),
          project_dir: projectDir(),
        })
        .map(present),
    ],
    [
      'check_comfyui_status',
      fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 6 }), wrongValue)),
    ],
    [
      'convert_image',
      fc
        .record({
          paths: field(fc.array(hostilePath(forbidden), { minLength: 0, maxLength: 4 })),
          directory: field(hostilePath(forbidden)),
          recursive: field(fc.boolean()),
          ...convertOptions,
          project_dir: projectDir(),
        })
        .map(present),
    ],
  ];

  it(`gives every one of ${8 * runsPerTool} hostile calls a clean answer and writes nothing outside`, async () => {
    const outsideBefore = snapshotTree(outside);
    const baseEntriesBefore = readdirSync(base).sort();
    const tools = toolArbitraries();
    expect(tools).toHaveLength(8);
    for (const [tool, args] of tools) {
      await fc.assert(
        fc.asyncProperty(args, (drawn) => callCleanly(tool, drawn)),
        { seed, numRuns: runsPerTool, endOnFailure: true },
      );
    }
    expect(internalErrors).toEqual([]);

    // Still answering, and nothing outside the allowed folders changed.
    expect((await client.listTools()).tools).toHaveLength(8);
    expect(snapshotTree(outside)).toEqual(outsideBefore);
    expect(readdirSync(base).sort()).toEqual(baseEntriesBefore);
    const allowed = [project, join(base, 'out')];
    const jobs = fixture.core.scheduler.list().flatMap((batch) => batch.jobs);
    expect(jobs.length).toBeGreaterThan(20);
    for (const job of jobs) {
      expect(
        allowed.some((root) => isInsideFolder(job.spec.savePath, root)),
        job.spec.savePath,
      ).toBe(true);
    }
  }, 180_000);

  it('then runs the accepted small jobs: every file lands inside the allowed folders', async () => {
    const outsideBefore = snapshotTree(outside);
    for (const batch of fixture.core.scheduler.list()) {
      // Big images only cost time here; the paths are what this test is about.
      if (batch.jobs.some((job) => job.spec.width * job.spec.height > 256 * 256)) {
        await fixture.core.scheduler.cancel(batch.id);
      }
    }
    fixture.core.settings.update({ paused: false });
    const batches = fixture.core.scheduler.list();
    for (const batch of batches) {
      await fixture.core.scheduler.wait(batch.id, { timeoutMs: 60_000 });
    }
    const jobs = batches.flatMap((batch) => batch.jobs);
    const written = jobs.filter((job) => job.state === 'completed');
    expect(written.length).toBeGreaterThan(0);
    expect(jobs.every((job) => ['completed', 'failed', 'cancelled'].includes(job.state))).toBe(true);
    for (const job of written) {
      const real = realpathSync(job.result!.path);
      expect(isInsideFolder(real, project) || isInsideFolder(real, join(base, 'out')), real).toBe(true);
    }
    expect(snapshotTree(outside)).toEqual(outsideBefore);
    console.info(
      `fuzz (seed ${seed}): ${8 * runsPerTool} calls, ${jobs.length} jobs accepted, ${written.length} files written`,
    );
  });
});
