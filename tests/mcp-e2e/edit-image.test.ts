// One file: every edit_image case shares one core and one fake ComfyUI running the model-free edit workflows.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEmbeddedMetadata } from '../../electron/images/render.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { startTestCore, tempDirs, type CoreFixture } from '../core/harness.js';
import { connect, type E2eClient, type Era } from './clients.js';
import {
  differing,
  editedImage,
  editWorkflowsDir,
  errorCode,
  projectWithSource,
  rgba,
  sourcePng,
} from './edit-fixtures.js';

/*
 * edit_image end to end: real MCP clients of both eras over HTTP, the real core, real files, the fake ComfyUI running
 * the model-free edit workflows (tests/fixtures/edit-workflows, configured as the user workflows folder).
 */

const { tempDir, removeTempDirs } = tempDirs('bridge-edit-');

describe.each<Era>(['2025', '2026'])('%s-era client over HTTP: edit_image', (era) => {
  let fake: FakeComfyUI;
  let fixture: CoreFixture;
  let workspace: string;
  let elsewhere: string;
  let client: E2eClient | undefined;
  let sites = 0;

  beforeAll(async () => {
    fake = await startFakeComfyUI({ stepMs: 2 });
    workspace = tempDir();
    elsewhere = tempDir('bridge-elsewhere-');
    fixture = await startTestCore({
      urls: [fake.url],
      settings: { allowedDirs: [workspace], userWorkflowsDir: editWorkflowsDir },
    });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await fixture.core.stop();
    await fake.close();
    removeTempDirs();
  });

  /** A fresh project with public/hero.png, and a client whose root it is. */
  const open = async () => {
    const project = await projectWithSource(workspace, `site-${++sites}`);
    client = await connect(era, 'http', {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
      roots: [project.site],
    });
    return { ...project, agent: client };
  };

  it('restyle: beside the source as hero.edited.png, at the source size, source untouched, metadata embedded', async () => {
    const { agent, site, hero } = await open();
    const before = readFileSync(hero);
    const image = editedImage(
      await agent.call('edit_image', {
        image: 'public/hero.png',
        mode: 'restyle',
        prompt: 'a poster',
        seed: 5,
      }),
    );
    expect(image).toMatchObject({
      path: join(site, 'public', 'hero.edited.png'),
      width: 40,
      height: 30,
      format: 'png',
      source: hero,
      saved_to_reason: 'no save_path: beside the source',
    });
    expect(await sharp(image.path).metadata()).toMatchObject({ width: 40, height: 30, format: 'png' });
    expect(readFileSync(hero).equals(before)).toBe(true);
    expect(await readEmbeddedMetadata(readFileSync(image.path))).toMatchObject({
      'bridge-edit-mode': 'restyle',
      'bridge-source': hero,
      'bridge-prompt': 'a poster',
    });
    // The strength went to the workflow's {{denoise}} (restyle's default, 0.6).
    expect(JSON.stringify(fake.submitted.at(-1)!.prompt)).toContain('restyle a poster denoise 0.6');
    const record = (await fixture.core.gallery.loaded()).list({ limit: 1 }).items[0]!;
    expect(record.edit).toEqual({ mode: 'restyle', source: hero });
    // A second edit does not replace the first.
    const second = editedImage(
      await agent.call('edit_image', { image: hero, mode: 'restyle', prompt: 'a poster', strength: 0.3 }),
    );
    expect(second.path).toBe(join(site, 'public', 'hero.edited-2.png'));
    expect(JSON.stringify(fake.submitted.at(-1)!.prompt)).toContain('denoise 0.3');
  });

  it('inpaint with a region: outside it every pixel is the source, inside it changed', async () => {
    const { agent, hero } = await open();
    const region = { x: 4, y: 3, width: 20, height: 10 };
    const image = editedImage(
      await agent.call('edit_image', { image: hero, mode: 'inpaint', prompt: 'a hat', region }),
    );
    expect([image.width, image.height]).toEqual([40, 30]);
    const inside = (x: number, y: number) =>
      x >= region.x && x < region.x + region.width && y >= region.y && y < region.y + region.height;
    const [edited, original] = await Promise.all([rgba(image.path), rgba(hero)]);
    expect(differing(edited, original, (x, y) => !inside(x, y))).toBe(0);
    expect(differing(edited, original, inside)).toBe(region.width * region.height);
  });

  it('inpaint with a mask of the same aspect (scaled), and one of another aspect refused', async () => {
    const { agent, site, hero } = await open();
    // 20 × 15, white on the left half: the source's left half is to change.
    const raw = Buffer.alloc(20 * 15);
    for (let i = 0; i < raw.length; i++) raw[i] = i % 20 < 10 ? 255 : 0;
    const maskPath = join(site, 'mask.png');
    writeFileSync(
      maskPath,
      await sharp(raw, { raw: { width: 20, height: 15, channels: 1 } })
        .png()
        .toBuffer(),
    );
    const image = editedImage(
      await agent.call('edit_image', { image: hero, mode: 'inpaint', prompt: 'sky', mask: 'mask.png' }),
    );
    const [edited, original] = await Promise.all([rgba(image.path), rgba(hero)]);
    // Scaled 2x, the mask's edge is grey in columns 19 and 20: blended there.
    expect(differing(edited, original, (x) => x >= 21)).toBe(0);
    expect(differing(edited, original, (x) => x < 19)).toBe(19 * 30);

    writeFileSync(
      maskPath,
      await sharp({ create: { width: 30, height: 30, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    expect(
      errorCode(
        await agent.call('edit_image', { image: hero, mode: 'inpaint', prompt: 'sky', mask: maskPath }),
      ),
    ).toBe('mask_aspect_mismatch');
  });

  it('outpaint: exactly the source plus extend, or the target size padded evenly', async () => {
    const { agent, hero } = await open();
    const extended = editedImage(
      await agent.call('edit_image', {
        image: hero,
        mode: 'outpaint',
        prompt: 'more beach',
        extend: { left: 10, right: 6, top: 4 },
      }),
    );
    expect([extended.width, extended.height]).toEqual([56, 34]);
    expect(extended.path.endsWith('hero.extended.png')).toBe(true);
    expect(await sharp(extended.path).metadata()).toMatchObject({ width: 56, height: 34 });
    const graph = JSON.stringify(fake.submitted.at(-1)!.prompt);
    expect(graph).toMatch(/"left":10,"top":4,"right":6,"bottom":0/);

    const target = editedImage(
      await agent.call('edit_image', {
        image: hero,
        mode: 'outpaint',
        prompt: 'more',
        width: 64,
        height: 64,
      }),
    );
    expect(await sharp(target.path).metadata()).toMatchObject({ width: 64, height: 64 });
    expect(JSON.stringify(fake.submitted.at(-1)!.prompt)).toMatch(
      /"left":12,"top":17,"right":12,"bottom":17/,
    );
  });

  it('upscale: scale 2 or 4, or a target size', async () => {
    const { agent, hero } = await open();
    const twice = editedImage(await agent.call('edit_image', { image: hero, mode: 'upscale' }));
    expect([twice.width, twice.height, twice.path.endsWith('hero.upscaled.png')]).toEqual([80, 60, true]);
    const four = editedImage(await agent.call('edit_image', { image: hero, mode: 'upscale', scale: 4 }));
    expect(await sharp(four.path).metadata()).toMatchObject({ width: 160, height: 120 });
    const wide = editedImage(await agent.call('edit_image', { image: hero, mode: 'upscale', width: 100 }));
    expect(await sharp(wide.path).metadata()).toMatchObject({ width: 100, height: 75 });
  });

  it('remove_background: PNG with alpha, its transparency measured on the written file; JPEG refused', async () => {
    const { agent, site, hero } = await open();
    const result = await agent.call('edit_image', { image: hero, mode: 'remove_background' });
    const image = editedImage(result);
    expect(image.path).toBe(join(site, 'public', 'hero.cutout.png'));
    const written = await sharp(image.path).metadata();
    expect([written.format, written.hasAlpha]).toEqual(['png', true]);
    const alpha = await sharp(image.path).extractChannel(3).raw().toBuffer();
    const transparent = [...alpha].filter((value) => value < 128).length / alpha.length;
    expect(transparent).toBeGreaterThan(0);
    expect(image.has_alpha).toBe(true);
    expect(image.transparent_fraction).toBeCloseTo(transparent, 3);
    // Clients that show only text read it there too.
    expect(JSON.stringify(result.content)).toContain(
      `from ${hero}, ${Math.round(transparent * 100)}% transparent`,
    );

    const webp = editedImage(
      await agent.call('edit_image', {
        image: hero,
        mode: 'remove_background',
        save_path: 'public/logo.webp',
      }),
    );
    expect(await sharp(webp.path).metadata()).toMatchObject({ format: 'webp', hasAlpha: true });
    expect(
      errorCode(await agent.call('edit_image', { image: hero, mode: 'remove_background', format: 'jpeg' })),
    ).toBe('format_without_alpha');
  });

  it('overwrite: replacing an earlier edit keeps the old file for recovery; the source is never the default', async () => {
    const { agent, site, hero } = await open();
    const first = editedImage(await agent.call('edit_image', { image: hero, mode: 'upscale' }));
    const firstBytes = readFileSync(first.path);
    expect(
      errorCode(
        await agent.call('edit_image', { image: hero, mode: 'upscale', scale: 4, save_path: first.path }),
      ),
    ).toBe('file_exists');
    const replaced = editedImage(
      await agent.call('edit_image', { image: hero, mode: 'upscale', scale: 4, overwrite: true }),
    );
    expect(replaced.path).toBe(first.path);
    expect(await sharp(replaced.path).metadata()).toMatchObject({ width: 160 });
    const recovery = join(fixture.dataDir, 'replaced');
    const kept = readdirSync(recovery, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name)));
    expect(kept.some((bytes) => bytes.equals(firstBytes))).toBe(true);
    expect(existsSync(join(site, 'public', 'hero.png'))).toBe(true);
  });

  it('refuses bad edits with clear errors before any GPU time', async () => {
    const { agent, hero } = await open();
    const submitted = fake.submitted.length;
    const cases: [Record<string, unknown>, string][] = [
      [
        { mode: 'inpaint', prompt: 'x', region: { x: 30, y: 0, width: 20, height: 10 } },
        'region_outside_image',
      ],
      [{ mode: 'restyle' }, 'invalid_arguments'],
      [{ mode: 'inpaint', prompt: 'x' }, 'invalid_arguments'],
      [{ mode: 'upscale', extend: { left: 4 } }, 'invalid_arguments'],
      [{ mode: 'restyle', prompt: 'x', workflow: 'upscale' }, 'workflow_wrong_mode'],
      [{ mode: 'outpaint', prompt: 'x', extend: { left: 4 }, width: 64 }, 'invalid_arguments'],
    ];
    for (const [args, code] of cases) {
      const result = await agent.call('edit_image', { image: hero, ...args });
      expect(result.isError, JSON.stringify([args, result.content])).toBe(true);
      expect(errorCode(result), JSON.stringify(args)).toBe(code);
    }
    const wrongMode = await agent.call('edit_image', {
      image: hero,
      mode: 'restyle',
      prompt: 'x',
      workflow: 'upscale',
    });
    expect(JSON.stringify(wrongMode.content)).toContain('Workflows for restyle: restyle');
    expect(fake.submitted.length).toBe(submitted);
  });

  it('reads sources only inside the allowed folders: traversal, a link out, outside, a FIFO, a folder, not an image', async () => {
    const { agent, site } = await open();
    writeFileSync(join(elsewhere, 'secret.png'), await sourcePng());
    symlinkSync(join(elsewhere, 'secret.png'), join(site, 'linked.png'));
    mkdirSync(join(site, 'folder.png'));
    writeFileSync(join(site, 'notes.png'), 'not an image at all');
    execFileSync('mkfifo', [join(site, 'pipe.png')]);
    const cases: [string, RegExp][] = [
      [`../../${elsewhere.split('/').at(-1)}/secret.png`, /^path_/],
      ['linked.png', /^path_/],
      [join(elsewhere, 'secret.png'), /^path_outside/],
      ['/etc/hostname', /^path_outside/],
      ['folder.png', /^path_is_directory$/],
      ['notes.png', /^source_not_an_image$/],
      ['pipe.png', /^source_not_an_image$/],
      ['missing.png', /^path_not_found$/],
    ];
    for (const [image, code] of cases) {
      const result = await agent.call('edit_image', { image, mode: 'upscale' });
      expect(errorCode(result), image).toMatch(code);
    }
    // A mask is read under the same policy.
    const mask = await agent.call('edit_image', {
      image: 'public/hero.png',
      mode: 'inpaint',
      prompt: 'x',
      mask: join(elsewhere, 'secret.png'),
    });
    expect(errorCode(mask)).toMatch(/^path_outside/);
  });

  it('a retried call with the same idempotency_key gets the first edit back, not a second run', async () => {
    const { agent, hero } = await open();
    const args = { image: hero, mode: 'upscale', idempotency_key: `edit-${era}` };
    const submitted = fake.submitted.length;
    const first = editedImage(await agent.call('edit_image', args));
    const again = await agent.call('edit_image', args);
    expect(editedImage(again)).toEqual(first);
    expect((again.structuredContent as { batch_id: string }).batch_id).toBeDefined();
    expect(fake.submitted.length - submitted).toBe(1);
    const other = await agent.call('edit_image', { ...args, scale: 4 });
    expect(errorCode(other)).toBe('idempotency_conflict');
  });

  it('uploads a source once per backend: two edits of the same file send it once', async () => {
    const { agent, site } = await open();
    // Content of its own, so no earlier test uploaded it.
    const own = join(site, 'own.png');
    writeFileSync(
      own,
      await sharp({ create: { width: 24, height: 24, channels: 3, background: `#${era}aa` } })
        .png()
        .toBuffer(),
    );
    const before = fake.uploadRequests;
    editedImage(await agent.call('edit_image', { image: own, mode: 'upscale' }));
    editedImage(await agent.call('edit_image', { image: own, mode: 'restyle', prompt: 'x' }));
    expect(fake.uploadRequests - before).toBe(1);
    // A mask built from a region is an upload of its own, the source still is not sent again.
    editedImage(
      await agent.call('edit_image', {
        image: own,
        mode: 'inpaint',
        prompt: 'x',
        region: { x: 0, y: 0, width: 4, height: 4 },
      }),
    );
    expect(fake.uploadRequests - before).toBe(2);
  });

  it('uploads again when ComfyUI lost an upload while it stayed up (its input folder emptied)', async () => {
    const { agent, site } = await open();
    const own = join(site, 'lost.png');
    writeFileSync(
      own,
      await sharp({ create: { width: 20, height: 20, channels: 3, background: `#${era}5b` } })
        .png()
        .toBuffer(),
    );
    const before = fake.uploadRequests;
    editedImage(await agent.call('edit_image', { image: own, mode: 'upscale' }));
    // Someone clears ComfyUI's input folder; the websocket stays up, so the bridge's upload cache still holds it.
    rmSync(join(fake.inputDir, 'mcp-bridge'), { recursive: true, force: true });
    const again = editedImage(await agent.call('edit_image', { image: own, mode: 'restyle', prompt: 'x' }));
    expect([again.width, again.height]).toEqual([20, 20]);
    expect(fake.uploadRequests - before).toBe(2);
  });
});
