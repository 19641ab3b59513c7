import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { galleryPageSchema } from '../../shared/dashboard-api.js';
import { apiOf } from '../dashboard/helpers.js';
import { removeDirs, startSd15Fake, startTestCore, toolContext } from '../core/harness.js';
import { photoPng } from '../web/photo.js';

interface WebResult {
  purpose: string;
  variants: {
    path: string;
    format: string;
    width: number;
    height: number;
    bytes: number;
    budget: { max_bytes: number; met: boolean };
  }[];
  alt: string;
  html: string;
  sizes?: string;
}

// convert_image with `web` on the real core: real sharp output, and the web asset kept on the gallery record.
describe('convert_image with web', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const comfy = await startSd15Fake(1);
    cleanups.push(() => comfy.close());
    const fixture = await startTestCore({ urls: [comfy.url] });
    const project = mkdtempSync(join(tmpdir(), 'site-'));
    mkdirSync(join(project, 'public', 'photos'), { recursive: true });
    cleanups.push(async () => {
      await fixture.core.stop();
      removeDirs(fixture.dataDir, fixture.outputDir, project);
    });
    return { ...fixture, project, ...toolContext({ roots: [project] }) };
  }

  it('makes a photo web-ready: every variant of the stated format, size and bytes, under budget', async () => {
    const { core, project, ctx, updates } = await setup();
    writeFileSync(
      join(project, 'public', 'photos', 'lake_at-dawn.png'),
      await photoPng({ width: 900, height: 600 }),
    );
    const result = await core.service.convertImage(
      { paths: ['public/photos/lake_at-dawn.png'], format: 'avif', keep_original: false, web: 'thumbnail' },
      ctx,
    );
    expect(result).toMatchObject({ converted: 1, failed: 0 });
    const [item] = result.results;
    expect(item).toMatchObject({
      output_path: join(project, 'public', 'photos', 'lake_at-dawn.avif'),
      width: 900,
      height: 600,
      original_kept: false,
    });
    expect((await sharp(item!.output_path).metadata()).format).toBe('heif');
    const web = item!.web as WebResult;
    expect(web.variants.map((variant) => [variant.format, variant.width, variant.height])).toEqual([
      ['avif', 160, 107],
      ['avif', 320, 213],
      ['avif', 640, 427],
      ['webp', 160, 107],
      ['webp', 320, 213],
      ['webp', 640, 427],
      ['jpeg', 160, 107],
      ['jpeg', 320, 213],
      ['jpeg', 640, 427],
    ]);
    const sharpFormat: Record<string, string> = { avif: 'heif', webp: 'webp', jpeg: 'jpeg' };
    for (const variant of web.variants) {
      const decoded = await sharp(variant.path).raw().toBuffer({ resolveWithObject: true });
      const metadata = await sharp(variant.path).metadata();
      expect([metadata.format, decoded.info.width, decoded.info.height], variant.path).toEqual([
        sharpFormat[variant.format],
        variant.width,
        variant.height,
      ]);
      expect(statSync(variant.path).size).toBe(variant.bytes);
      expect(variant.budget, variant.path).toMatchObject({ max_bytes: 30_000, met: true });
      expect(variant.bytes).toBeLessThanOrEqual(30_000);
    }
    // Not generated here: the alt draft comes from the file name; URLs from the project's public/.
    expect(web.alt).toBe('Lake at dawn');
    expect(web.sizes).toBe('(min-width: 640px) 160px, 33vw');
    expect(web.html).toContain('/photos/lake_at-dawn-160.avif 160w');
    expect(readdirSync(join(project, 'public', 'photos'))).not.toContain('lake_at-dawn.png');
    expect(updates.at(-1)).toMatchObject({ progress: 1, total: 1 });
  }, 120_000);

  it('keeps the asset on the gallery record of a generated image, and the dashboard serves it', async () => {
    const { core, project, ctx } = await setup();
    const generated = await core.service.generateImage(
      {
        prompt: 'a photo of a red kite over hills, 8k',
        save_path: 'public/kite.png',
        width: 256,
        height: 192,
      },
      ctx,
    );
    expect(generated.status).toBe('completed');
    const before = (await core.gallery.loaded()).findByPath(join(project, 'public', 'kite.png'))!;
    expect(before.web).toBeUndefined();

    const result = await core.service.convertImage({ paths: ['public/kite.png'], web: 'avatar' }, ctx);
    const web = result.results[0]!.web as WebResult;
    expect(web.alt).toBe('A red kite over hills');
    const record = (await core.gallery.loaded()).get(before.id)!;
    expect(record).toMatchObject({ id: before.id, createdAt: before.createdAt, prompt: before.prompt });
    expect(record.web).toMatchObject({
      purpose: 'avatar',
      sizes: '64px',
      alt: 'A red kite over hills',
      html: web.html,
      placeholder: { dataUrl: expect.stringMatching(/^data:image\/png;base64,/) as string },
      dominantColor: expect.stringMatching(/^#[0-9a-f]{6}$/) as string,
    });
    expect(record.web!.variants).toEqual(
      web.variants.map(({ path, format, width, height, bytes }) => ({ path, format, width, height, bytes })),
    );
    expect((await core.gallery.loaded()).size).toBe(1);

    const page = await apiOf(core).call('/api/gallery');
    expect(page.status).toBe(200);
    const item = galleryPageSchema.parse(page.json()).items[0]!;
    expect(item.web).toEqual(record.web);
  }, 120_000);

  it('fails an image whose variant name is taken: the new file is removed, the original kept', async () => {
    const { core, project, ctx } = await setup();
    const source = join(project, 'public', 'photos', 'a.png');
    writeFileSync(source, await photoPng({ width: 64, height: 48 }));
    writeFileSync(
      join(project, 'public', 'photos', 'b.png'),
      await photoPng({ width: 64, height: 48, seed: 2 }),
    );
    symlinkSync(join(tmpdir(), 'nowhere.jpg'), join(project, 'public', 'photos', 'a-48.jpg'));
    const web = { purpose: 'icon' as const, formats: ['jpeg' as const] };
    await expect(
      core.service.convertImage({ paths: ['public/photos/a.png'], keep_original: false, web }, ctx),
    ).rejects.toMatchObject({ code: 'write_exists', message: expect.stringMatching(/a-48\.jpg/) as string });
    expect(existsSync(source)).toBe(true);
    expect(existsSync(join(project, 'public', 'photos', 'a.webp'))).toBe(false);

    // Among several, it is that image's error; the others are made.
    const many = await core.service.convertImage(
      { paths: ['public/photos/a.png', 'public/photos/b.png'], web },
      ctx,
    );
    expect(many).toMatchObject({ converted: 1, failed: 1 });
    expect(many.results[0]!.error).toMatchObject({ code: 'write_exists' });
    expect((many.results[1]!.web as WebResult).variants.map((variant) => variant.width)).toEqual([48]);
  }, 120_000);

  it('takes a file already in the format as it is: a favicon set from logo.png, no new logo file, nothing deleted', async () => {
    const { core, project, ctx } = await setup();
    const logo = join(project, 'public', 'logo.png');
    const bytes = await photoPng({ width: 300, height: 300, alpha: true });
    writeFileSync(logo, bytes);
    const refused = core.service.convertImage({ paths: ['public/logo.png'], format: 'png' }, ctx);
    await expect(refused).rejects.toMatchObject({
      message: expect.stringMatching(
        /already a PNG file; .*or pass web to make it web-ready as it is/,
      ) as string,
    });

    const result = await core.service.convertImage(
      { paths: ['public/logo.png'], format: 'png', web: 'favicon', keep_original: false },
      ctx,
    );
    expect(result).toMatchObject({ converted: 1, failed: 0 });
    expect(result.results[0]).toMatchObject({
      path: logo,
      output_path: logo,
      bytes_before: bytes.byteLength,
      bytes_after: bytes.byteLength,
      width: 300,
      height: 300,
      original_kept: true,
    });
    const web = result.results[0]!.web as WebResult & { manifest_icons: unknown[] };
    expect(web.variants.map((variant) => variant.path)).toEqual(
      ['favicon.ico', 'logo-180.png', 'logo-192.png', 'logo-512.png'].map((name) =>
        join(project, 'public', name),
      ),
    );
    expect(web.html).toContain('<link rel="apple-touch-icon" href="/logo-180.png">');
    expect(web.manifest_icons).toHaveLength(2);
    expect(readdirSync(join(project, 'public')).sort()).toEqual([
      'favicon.ico',
      'logo-180.png',
      'logo-192.png',
      'logo-512.png',
      'logo.png',
      'photos',
    ]);
    expect(statSync(logo).size).toBe(bytes.byteLength);
  }, 120_000);
});
