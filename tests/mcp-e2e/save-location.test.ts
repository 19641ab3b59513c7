import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultFileName } from '../../electron/bridge/file-names.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { removeDirs, startSd15Fake, startTestCore, type CoreFixture } from '../core/harness.js';
import { connect, type CallResult, type E2eClient, type Era } from './clients.js';

/*
 * Issue 11 §3: without save_path the file landed in the project's root, not where the README said. Now it goes to
 * the project's images folder (the first of public/, static/, assets/) or else the output folder, and the project
 * is project_dir, else the client's roots. Real MCP clients of both eras over HTTP, the real core, the fake ComfyUI.
 */

const size = { workflow: 'sd15', width: 64, height: 64 };

interface Saved {
  path: string;
  saved_to_reason?: string;
}

function savedImage(result: CallResult): Saved {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  const images = (result.structuredContent as { images: Saved[] }).images;
  expect(images).toHaveLength(1);
  return images[0]!;
}

function textOf(result: CallResult): string {
  return result.content
    .filter((block) => block.type === 'text')
    .map((block) => String(block.text))
    .join('\n');
}

describe.each<Era>(['2025', '2026'])('%s-era client over HTTP: where an image goes', (era) => {
  let fake: FakeComfyUI;
  let fixture: CoreFixture;
  /** An allowed folder (--allow-dir) holding the projects that project_dir names. */
  let workspace: string;
  /** Outside every allowed folder. */
  let elsewhere: string;
  let client: E2eClient | undefined;
  let seed = 1;

  beforeAll(async () => {
    fake = await startSd15Fake();
    workspace = mkdtempSync(join(tmpdir(), 'bridge-workspace-'));
    elsewhere = mkdtempSync(join(tmpdir(), 'bridge-elsewhere-'));
    fixture = await startTestCore({ urls: [fake.url], settings: { allowedDirs: [workspace] } });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await fixture.core.stop();
    await fake.close();
    removeDirs(fixture.dataDir, fixture.outputDir, workspace, elsewhere);
  });

  const open = async (roots?: string[]) => {
    client = await connect(era, 'http', {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
      ...(roots === undefined ? {} : { roots }),
    });
    return client;
  };

  /** A fresh project folder in the workspace with the given subfolders. */
  const project = (...folders: string[]) => {
    const dir = mkdtempSync(join(workspace, 'site-'));
    for (const folder of folders) mkdirSync(join(dir, folder));
    return dir;
  };

  const generate = async (agent: E2eClient, args: Record<string, unknown> = {}) => {
    const callSeed = seed++;
    const result = await agent.call('generate_image', {
      prompt: 'a red fox',
      seed: callSeed,
      ...size,
      ...args,
    });
    return { result, name: defaultFileName('a red fox', callSeed, 'png') };
  };

  it("without save_path, an image goes to the client root's public/, not the project root", async () => {
    const site = project('public', 'static', 'assets');
    const { result, name } = await generate(await open([site]));
    const image = savedImage(result);
    expect(image.path).toBe(join(site, 'public', name));
    expect(existsSync(join(site, 'public', name))).toBe(true);
    expect(existsSync(join(site, name))).toBe(false);
    expect(image.saved_to_reason).toBe("no save_path: the project's public/ folder");
    expect(textOf(result)).toContain(`Saved ${image.path} `);
    expect(textOf(result)).toContain("no save_path: the project's public/ folder");
  });

  it('takes static/, then assets/, when there is no public/', async () => {
    const agent = await open();
    const withStatic = project('static', 'assets');
    const staticImage = await generate(agent, { project_dir: withStatic });
    expect(savedImage(staticImage.result).path).toBe(join(withStatic, 'static', staticImage.name));
    const withAssets = project('assets');
    const assetsImage = await generate(agent, { project_dir: withAssets });
    expect(savedImage(assetsImage.result).path).toBe(join(withAssets, 'assets', assetsImage.name));
  });

  it('a "public" that is a file, or a link out of the project, does not count', async () => {
    const agent = await open();
    const withFile = project('assets');
    writeFileSync(join(withFile, 'public'), 'not a folder');
    const first = await generate(agent, { project_dir: withFile });
    expect(savedImage(first.result).path).toBe(join(withFile, 'assets', first.name));
    const withLink = project('static');
    symlinkSync(elsewhere, join(withLink, 'public'), 'dir');
    const second = await generate(agent, { project_dir: withLink });
    expect(savedImage(second.result).path).toBe(join(withLink, 'static', second.name));
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a project without an images folder sends the image to the output folder, and says why', async () => {
    const site = project('src');
    const { result, name } = await generate(await open([site]));
    const image = savedImage(result);
    expect(image.path).toBe(join(fixture.outputDir, name));
    expect(image.saved_to_reason).toBe(
      'no save_path, and no public/, static/, assets/ in the project: the output folder',
    );
    expect(existsSync(join(site, name))).toBe(false);
  });

  it('without roots or project_dir: the output folder, for no save_path and for a relative one', async () => {
    const agent = await open();
    const unnamed = await generate(agent);
    expect(savedImage(unnamed.result)).toEqual(
      expect.objectContaining({
        path: join(fixture.outputDir, unnamed.name),
        saved_to_reason: 'no save_path and no project folder (send roots or project_dir): the output folder',
      }),
    );
    const named = savedImage((await generate(agent, { save_path: 'img/cat.png' })).result);
    expect(named).toEqual(
      expect.objectContaining({
        path: join(fixture.outputDir, 'img', 'cat.png'),
        saved_to_reason:
          'no project folder (send roots or project_dir): relative save_path resolved in the output folder',
      }),
    );
  });

  it('project_dir names the project when the client sends no roots: relative paths resolve there', async () => {
    const site = project('public');
    const agent = await open();
    const image = savedImage(
      (await generate(agent, { project_dir: site, save_path: 'img/hero.png' })).result,
    );
    expect(image.path).toBe(join(site, 'img', 'hero.png'));
    expect(image.saved_to_reason).toBeUndefined();
    const unnamed = await generate(agent, { project_dir: site });
    expect(savedImage(unnamed.result).path).toBe(join(site, 'public', unnamed.name));

    // Every tool that takes a path resolves it against project_dir.
    const listed = await agent.call('list_generated_images', { directory: 'img', project_dir: site });
    expect(listed.isError, JSON.stringify(listed.content)).toBeFalsy();
    expect(listed.structuredContent).toMatchObject({ images: [{ path: join(site, 'img', 'hero.png') }] });
    const converted = await agent.call('convert_image', { paths: ['img/hero.png'], project_dir: site });
    expect(converted.structuredContent).toMatchObject({
      results: [{ output_path: join(site, 'img', 'hero.webp') }],
    });
    const folder = await agent.call('convert_image', { directory: 'public', project_dir: site });
    expect(folder.structuredContent).toMatchObject({ converted: 1, failed: 0 });
  });

  it('project_dir wins over the client root', async () => {
    const root = project('public');
    const site = project('static');
    const { result, name } = await generate(await open([root]), { project_dir: site });
    expect(savedImage(result).path).toBe(join(site, 'static', name));
  });

  it('batch items and defaults without save_path go to the images folder; check_batch_status says why', async () => {
    const site = project('static');
    const agent = await open();
    const accepted = await agent.call('batch_generate_images', {
      items: [{ prompt: 'one' }, { prompt: 'two', save_path: 'named.png' }],
      defaults: { seed: 5, ...size },
      project_dir: site,
    });
    expect(accepted.isError, JSON.stringify(accepted.content)).toBeFalsy();
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;
    const status = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 60 });
    expect(status.structuredContent).toMatchObject({
      done: true,
      completed: 2,
      items: [
        {
          path: join(site, 'static', defaultFileName('one', 5, 'png', '-1')),
          saved_to_reason: "no save_path: the project's static/ folder",
        },
        { path: join(site, 'named.png') },
      ],
    });
    const items = (status.structuredContent as { items: Saved[] }).items;
    expect(items[1]!.saved_to_reason).toBeUndefined();
    expect(textOf(status)).toContain("no save_path: the project's static/ folder");
  });

  it('refuses a project_dir outside the allowed folders, saying how to allow it, before any GPU work', async () => {
    const submitted = fake.submitted.length;
    const agent = await open();
    const { result } = await generate(agent, { project_dir: elsewhere });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: { code: 'path_outside_allowed_folders' } });
    const text = textOf(result);
    expect(text).toContain(`project_dir: "${elsewhere}" is outside the allowed folders`);
    expect(text).toContain('--allow-dir');
    const batch = await agent.call('batch_generate_images', {
      items: [{ prompt: 'x', ...size }],
      project_dir: elsewhere,
    });
    expect(batch.structuredContent).toMatchObject({ error: { code: 'path_outside_allowed_folders' } });
    expect(fake.submitted.length).toBe(submitted);
  });

  it('refuses a relative project_dir and one that is a file', async () => {
    const agent = await open();
    const relative = (await generate(agent, { project_dir: 'site' })).result;
    expect(relative.structuredContent).toMatchObject({ error: { code: 'invalid_project_dir' } });
    const file = join(project(), 'notes.txt');
    writeFileSync(file, 'x');
    const notFolder = (await generate(agent, { project_dir: file })).result;
    expect(notFolder.structuredContent).toMatchObject({ error: { code: 'not_a_directory' } });
  });
});
