import { existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import {
  raceWhileSwapping,
  startFolderSwapper,
  tempFilesBelow,
  type FolderSwapper,
} from '../images/folder-swapper.js';
import { connect, type CallResult, type TestClient } from '../mcp/harness.js';
import {
  removeDirs,
  sd15Models,
  snapshotTree,
  startReliabilityCore,
  tempDir,
  type ReliabilityCore,
} from './fixtures.js';

/*
 * Issue 10 item 1 over MCP: while a worker thread swaps the project's `sub` folder for a link to an outside folder
 * and back, the agent's generate_image (plain and overwrite) and convert_image (paths and folder) calls may
 * fail (path_changed, path_symlink, …) but never touch the outside folder, never leave a temp file, and a path
 * reported as written holds the image. Bounded: at most `maxRounds` calls and `budgetMs` per test.
 */

const maxRounds = 30;
const budgetMs = 6_000;

describe('tool calls while a project folder is swapped for a link to outside', () => {
  let fixture: ReliabilityCore;
  let fake: FakeComfyUI;
  let client: TestClient;
  let base: string;
  let project: string;
  let sub: string;
  let outside: string;
  let swapper: FolderSwapper | undefined;
  let victim: Buffer;

  beforeAll(async () => {
    base = realpathSync(tempDir('file-races'));
    project = join(base, 'project');
    sub = join(project, 'sub');
    outside = join(base, 'outside');
    mkdirSync(sub, { recursive: true });
    mkdirSync(outside);
    victim = await image(999, 16);
    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 1 });
    fixture = await startReliabilityCore({ urls: [fake.url], outputDir: join(base, 'out') });
    client = await connect('2026', new URL(fixture.core.mcpUrl), {
      roots: [project],
      token: fixture.core.settings.get().mcpToken,
    });
  });

  afterEach(async () => {
    await swapper?.stop();
    swapper = undefined;
  });

  afterAll(async () => {
    await client?.close();
    await fixture?.core.stop();
    await fake?.close();
    removeDirs(base, fixture?.dataDir ?? '');
  });

  async function image(seed: number, size: number): Promise<Buffer> {
    const pixels = Buffer.alloc(size * size * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 17 + seed * 31) % 256;
    return await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer();
  }

  function plantVictims(names: readonly string[]): Map<string, string> {
    for (const name of names) writeFileSync(join(outside, name), victim);
    return snapshotTree(outside);
  }

  function swap(holds = { holdRealMs: 3, holdLinkMs: 2 }): FolderSwapper {
    swapper = startFolderSwapper({ folder: sub, linkTarget: outside, maxMs: budgetMs + 20_000, ...holds });
    return swapper;
  }

  async function race(round: (i: number) => Promise<void>): Promise<number> {
    return (
      await raceWhileSwapping(swapper!, round, { minRounds: maxRounds, roundLimit: maxRounds, budgetMs })
    ).rounds;
  }

  function errorCodeOf(result: CallResult): string | undefined {
    return (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code;
  }

  /** The file at a reported path, or where the attacker moved a folder the bridge made mid-swap. */
  function reportedFileExists(reported: string): boolean {
    const gaps = readdirSync(project).filter((name) => name.startsWith('.made-in-gap-'));
    return [reported, ...gaps.map((gap) => join(project, gap, reported.slice(sub.length + 1)))].some((p) =>
      existsSync(p),
    );
  }

  const generate = (savePath: string, overwrite: boolean) =>
    client.callTool('generate_image', {
      prompt: 'race probe',
      save_path: savePath,
      workflow: 'test-pattern',
      width: 64,
      height: 64,
      overwrite,
      wait_seconds: 30,
    });

  it.each([
    ['generate_image', false],
    ['generate_image overwrite:true', true],
  ])('%s writes inside or fails with a path error', async (label, overwrite) => {
    const prefix = overwrite ? 'over' : 'plain';
    const names = Array.from({ length: maxRounds }, (_, i) => `${prefix}-${i}.png`);
    // Same-named victims for overwrite (a rename over them would replace them); for plain writes any new file
    // outside shows, and a same-named victim would only turn a redirected write into write_exists.
    const before = plantVictims(overwrite ? names : ['victim.png']);
    const attacker = swap();
    const codes: string[] = [];
    const reported: string[] = [];
    const rounds = await race(async (i) => {
      if (overwrite) {
        await attacker.pause();
        writeFileSync(join(sub, names[i]!), await image(i, 16));
        attacker.resume();
      }
      const result = await generate(`sub/${names[i]!}`, overwrite);
      const images = (result.structuredContent as { images?: { path: string }[] } | undefined)?.images ?? [];
      if (images.length > 0) reported.push(...images.map((written) => written.path));
      else codes.push(errorCodeOf(result) ?? 'no code');
    });
    await attacker.stop();
    swapper = undefined;
    console.info(`${label}: ${rounds} calls, ${reported.length} written, failed: ${codes.join(', ')}`);
    expect(snapshotTree(outside)).toEqual(before);
    expect(tempFilesBelow(base)).toEqual([]);
    // file_exists: the call-time check saw an outside victim through the link and refused.
    expect(codes.filter((code) => !code.startsWith('path_') && code !== 'file_exists')).toEqual([]);
    for (const path of reported) {
      expect(path.startsWith(sub + '/')).toBe(true);
      expect(reportedFileExists(path), path).toBe(true);
    }
  });

  it('generate_image preview:true shows the image written, never an outside file of the same name', async () => {
    const names = Array.from({ length: maxRounds }, (_, i) => `seen-${i}.png`);
    const marker = { r: 1, g: 254, b: 3 };
    const victimImage = await sharp({ create: { width: 64, height: 64, channels: 3, background: marker } })
      .png()
      .toBuffer();
    for (const name of names) writeFileSync(join(outside, name), victimImage);
    const before = snapshotTree(outside);
    // Longer spells of the real folder, so that calls succeed and their previews are read during a swap.
    swap({ holdRealMs: 40, holdLinkMs: 10 });
    let previews = 0;
    const leaked: string[] = [];
    const codes: string[] = [];
    const rounds = await race(async (i) => {
      // The fake renders a solid image of the seed's colour: the preview must show that colour.
      const seed = 0x203040 + i;
      const result = await client.callTool('generate_image', {
        prompt: 'preview probe',
        save_path: `sub/${names[i]!}`,
        workflow: 'test-pattern',
        width: 64,
        height: 64,
        seed,
        preview: true,
        wait_seconds: 30,
      });
      if (result.isError) codes.push(errorCodeOf(result) ?? 'no code');
      for (const block of result.content) {
        if (block.type !== 'image') continue;
        previews++;
        const { channels } = await sharp(Buffer.from(String(block.data), 'base64')).stats();
        const shown = channels.map((channel) => Math.round(channel.mean));
        const expected = [(seed >> 16) & 0xff, (seed >> 8) & 0xff, seed & 0xff];
        if (shown.some((value, c) => Math.abs(value - expected[c]!) > 4)) {
          leaked.push(`${names[i]!}: shows rgb(${shown.join(',')}), wrote rgb(${expected.join(',')})`);
        }
      }
    });
    await swapper?.stop();
    swapper = undefined;
    console.info(
      `generate_image preview: ${rounds} calls, ${previews} previews, ${leaked.length} of outside files; failed: ${codes.join(', ')}`,
    );
    expect(leaked).toEqual([]);
    expect(snapshotTree(outside)).toEqual(before);
    expect(tempFilesBelow(base)).toEqual([]);
  });

  it('convert_image keep_original:false never deletes or writes outside', async () => {
    const names = Array.from({ length: maxRounds }, (_, i) => `conv-${i}.png`);
    // Victims under the originals' names (a redirected delete removes one); none under the WebPs' names, so a
    // redirected write adds a file instead of failing with write_exists.
    const before = plantVictims(names);
    const attacker = swap();
    const codes: string[] = [];
    const rounds = await race(async (i) => {
      await attacker.pause();
      writeFileSync(join(sub, names[i]!), await image(i, 160));
      attacker.resume();
      const result = await client.callTool('convert_image', {
        paths: [`sub/${names[i]!}`],
        keep_original: false,
      });
      codes.push(result.isError ? (errorCodeOf(result) ?? 'no code') : 'ok');
    });
    await attacker.stop();
    swapper = undefined;
    console.info(`convert_image: ${rounds} calls: ${codes.join(', ')}`);
    expect(snapshotTree(outside)).toEqual(before);
    expect(tempFilesBelow(base)).toEqual([]);
  });

  it('convert_image {directory:".", recursive, keep_original:false} never touches outside', async () => {
    const perRound = 3;
    const names = Array.from({ length: maxRounds * perRound }, (_, i) => `batch-${i}.png`);
    const before = plantVictims(names);
    const attacker = swap();
    let converted = 0;
    let failed = 0;
    const rounds = await race(async (i) => {
      await attacker.pause();
      for (const name of names.slice(i * perRound, (i + 1) * perRound)) {
        writeFileSync(join(sub, name), await image(i, 96));
      }
      attacker.resume();
      const result = await client.callTool('convert_image', {
        directory: '.',
        recursive: true,
        keep_original: false,
      });
      const summary = result.structuredContent as { converted?: number; failed?: number } | undefined;
      converted += summary?.converted ?? 0;
      failed += summary?.failed ?? (result.isError ? 1 : 0);
    });
    await attacker.stop();
    swapper = undefined;
    console.info(`convert_image (folder): ${rounds} calls, ${converted} converted, ${failed} failed`);
    expect(snapshotTree(outside)).toEqual(before);
    expect(tempFilesBelow(base)).toEqual([]);
  });
});
