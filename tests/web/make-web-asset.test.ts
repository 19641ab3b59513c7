import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { qualityRange } from '../../electron/web/encode.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtomicWriteError } from '../../electron/images/atomic-write.js';
import { ImageTooLargeError } from '../../electron/images/pixel-limit.js';
import { makeWebAsset, type WebAssetProgress } from '../../electron/web/make-web-asset.js';
import { createWorkPool } from '../../electron/web/pool.js';
import type { WebFormat } from '../../electron/web/purposes.js';
import { photoPng } from './photo.js';

const formatOf = { avif: 'heif', webp: 'webp', jpeg: 'jpeg', png: 'png', ico: 'ico' } as const;

let root: string;
let project: string;
let publicDir: string;
let recoveryDir: string;
let photo: Buffer;
const pool = createWorkPool(2);

beforeAll(async () => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'web-asset-')));
  project = path.join(root, 'site');
  publicDir = path.join(project, 'public', 'img');
  recoveryDir = path.join(root, 'replaced');
  mkdirSync(publicDir, { recursive: true });
  photo = await photoPng({ width: 1000, height: 667 });
}, 60_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function freshFolder(name: string): string {
  const dir = path.join(publicDir, name);
  mkdirSync(dir);
  return dir;
}

function common(mainPath: string) {
  return {
    mainPath,
    prompt: 'a photo of a lake at dawn, 8k',
    projectDir: project,
    allowedRoots: [root],
    recoveryDir,
    pool,
  };
}

/** The folder's files other than the main one, and no temp files. */
function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

describe('makeWebAsset', () => {
  it('makes a hero: every width in AVIF, WebP and JPEG, each the stated size, format and bytes, within budget', async () => {
    const dir = freshFolder('hero');
    const mainPath = path.join(dir, 'hero.png');
    writeFileSync(mainPath, photo);
    const events: WebAssetProgress[] = [];
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    const asset = await makeWebAsset({
      ...common(mainPath),
      web: 'hero',
      pool: createWorkPool(1),
      onProgress: (e) => events.push(e),
    }).finally(() => new Promise((resolve) => setImmediate(resolve)));
    process.off('warning', onWarning);
    // With a pool of one, eleven variants wait on one abort signal: no "possible EventTarget memory leak" warning for that.
    expect(warnings).toEqual([]);

    expect([asset.purpose, asset.width, asset.height]).toEqual(['hero', 1000, 667]);
    const widths = [640, 750, 828, 1000];
    expect(asset.variants.map((v) => `${path.basename(v.path)} ${v.width}x${v.height}`)).toEqual(
      (['avif', 'webp', 'jpg'] as const).flatMap((ext) =>
        widths.map((w) => `hero-${w}.${ext} ${w}x${Math.round((w * 667) / 1000)}`),
      ),
    );
    for (const variant of asset.variants) {
      const bytes = readFileSync(variant.path);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height, bytes.byteLength], variant.path).toEqual([
        formatOf[variant.format],
        variant.width,
        variant.height,
        variant.bytes,
      ]);
      expect(statSync(variant.path).size).toBe(variant.bytes);
      expect(variant.budget.met, variant.path).toBe(true);
      expect(variant.bytes).toBeLessThanOrEqual(variant.budget.max_bytes);
      expect(variant.budget.max_bytes).toBe(200_000);
      // SSIM is measured when the quality was lowered; the top quality, which fitted at once, is not.
      if (variant.budget.ssim === undefined)
        expect(variant.budget.quality).toBe(qualityRange[variant.format as WebFormat].max);
      else expect(variant.budget.ssim).toBeGreaterThanOrEqual(0.95);
    }
    expect(filesIn(dir)).toEqual(['hero.png', ...asset.variants.map((v) => path.basename(v.path))].sort());

    expect(events[0]).toMatchObject({ kind: 'planned' });
    const landed = events.filter((e) => e.kind === 'variant');
    expect(landed.map((e) => e.done)).toEqual(asset.variants.map((_, i) => i + 1));
    expect(new Set(landed.map((e) => e.variant.path))).toEqual(new Set(asset.variants.map((v) => v.path)));

    expect(asset.alt).toBe('A lake at dawn');
    expect(asset.dominant_color).toMatch(/^#[0-9a-f]{6}$/u);
    expect(asset.placeholder?.data_url).toMatch(/^data:image\/png;base64,/u);
    expect(asset.web_root).toBe('public');
    expect(asset.html).toContain('<source type="image/avif" srcset="/img/hero/hero-640.avif 640w, ');
    expect(asset.html).toContain('src="/img/hero/hero-1000.jpg"');
    expect(asset.html).toContain('fetchpriority="high"');
    expect(asset.html).toContain('loading="eager"');
    expect(asset.html).toContain(`background:${asset.dominant_color} url(data:image/png;base64,`);
  }, 120_000);

  it('keeps transparency: PNG fallback, alpha in every file, no placeholder behind it', async () => {
    const dir = freshFolder('icon');
    const mainPath = path.join(dir, 'logo.png');
    writeFileSync(mainPath, await photoPng({ width: 300, height: 300, alpha: true }));
    const asset = await makeWebAsset({ ...common(mainPath), web: 'icon' });
    expect(asset.variants.map((v) => path.basename(v.path))).toEqual([
      'logo-48.avif',
      'logo-96.avif',
      'logo-192.avif',
      'logo-48.webp',
      'logo-96.webp',
      'logo-192.webp',
      'logo-48.png',
      'logo-96.png',
      'logo-192.png',
    ]);
    for (const variant of asset.variants) {
      const { data, info } = await sharp(variant.path)
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(info.width).toBe(variant.width);
      expect(data[3], `${variant.path}: the corner is transparent`).toBe(0);
      expect(variant.budget.met).toBe(true);
    }
    expect(asset.html).toContain('width="48" height="48"');
    expect(asset.html).not.toContain('background:');
  }, 60_000);

  it('makes og exactly 1200×630 JPEG within 300 KB, with its meta tags', async () => {
    const dir = freshFolder('og');
    const mainPath = path.join(dir, 'share.png');
    writeFileSync(mainPath, await photoPng({ width: 768, height: 768 }));
    const asset = await makeWebAsset({
      ...common(mainPath),
      web: { purpose: 'og', base_url: 'https://example.com/og/' },
    });
    const [og] = asset.variants;
    expect(asset.variants).toHaveLength(1);
    expect(og && path.basename(og.path)).toBe('share-og.jpg');
    const meta = await sharp(og?.path).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1200, 630]);
    expect(og?.bytes).toBeLessThanOrEqual(300_000);
    expect(asset.html).toContain('<meta property="og:image" content="https://example.com/og/share-og.jpg">');
    expect(asset.web_root).toBe('base_url');
  }, 60_000);

  it('makes a favicon set from a smaller, transparent source: favicon.ico, an opaque apple-touch icon, the manifest PNGs and their tags', async () => {
    const dir = freshFolder('favicon');
    const mainPath = path.join(dir, 'logo.png');
    writeFileSync(mainPath, await photoPng({ width: 300, height: 300, alpha: true }));
    const asset = await makeWebAsset({ ...common(mainPath), web: 'favicon' });
    expect(asset.variants.map((v) => `${path.basename(v.path)} ${v.format} ${v.width}x${v.height}`)).toEqual([
      'favicon.ico ico 32x32',
      'logo-180.png png 180x180',
      'logo-192.png png 192x192',
      'logo-512.png png 512x512',
    ]);
    expect(filesIn(dir)).toEqual(['favicon.ico', 'logo-180.png', 'logo-192.png', 'logo-512.png', 'logo.png']);

    // favicon.ico: one 32 px entry holding a PNG, whose transparency is kept.
    const ico = readFileSync(path.join(dir, 'favicon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 1]);
    expect([ico[6], ico[7], ico.readUInt16LE(12)]).toEqual([32, 32, 32]);
    const [size, offset] = [ico.readUInt32LE(14), ico.readUInt32LE(18)];
    expect(offset + size).toBe(ico.byteLength);
    expect(asset.variants[0]?.bytes).toBe(ico.byteLength);
    const inIco = await sharp(ico.subarray(offset)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([inIco.info.format, inIco.info.width, inIco.info.height]).toEqual(['raw', 32, 32]);
    expect(inIco.data[3], 'the ICO keeps transparency').toBe(0);

    // iOS shows a home-screen icon's transparency as black: the 180 px one is flattened onto white.
    const apple = await sharp(path.join(dir, 'logo-180.png')).ensureAlpha().raw().toBuffer();
    expect([apple[0], apple[1], apple[2], apple[3]]).toEqual([255, 255, 255, 255]);
    for (const width of [192, 512]) {
      const manifest = await sharp(path.join(dir, `logo-${width}.png`))
        .ensureAlpha()
        .raw()
        .toBuffer();
      expect(manifest[3], `logo-${width}.png keeps transparency`).toBe(0);
    }
    for (const variant of asset.variants) expect(variant.budget.met, variant.path).toBe(true);

    expect(asset.html).toBe(
      [
        '<link rel="icon" href="/img/favicon/favicon.ico" sizes="32x32">',
        '<link rel="icon" type="image/png" href="/img/favicon/logo-192.png" sizes="192x192">',
        '<link rel="apple-touch-icon" href="/img/favicon/logo-180.png">',
      ].join('\n'),
    );
    expect(asset.manifest_icons).toEqual([
      { src: '/img/favicon/logo-192.png', sizes: '192x192', type: 'image/png' },
      { src: '/img/favicon/logo-512.png', sizes: '512x512', type: 'image/png' },
    ]);
    expect(asset.sizes).toBeUndefined();
    expect(asset.placeholder).toBeUndefined();
  }, 60_000);

  it('holds a pool slot only to encode: the variant is written and reported with its slot free again', async () => {
    const dir = freshFolder('slot');
    const mainPath = path.join(dir, 'share.png');
    writeFileSync(mainPath, await photoPng({ width: 400, height: 300 }));
    const onePool = createWorkPool(1);
    const activeWhenLanded: number[] = [];
    await makeWebAsset({
      ...common(mainPath),
      web: 'og',
      pool: onePool,
      onProgress: (event) => {
        if (event.kind === 'variant') activeWhenLanded.push(onePool.active);
      },
    });
    // The one variant's file is already written (and synced) here; no encode runs, so no slot is taken.
    expect(activeWhenLanded).toEqual([0]);
  }, 60_000);

  it('reports an impossible budget honestly, file by file', async () => {
    const dir = freshFolder('tight');
    const mainPath = path.join(dir, 'noise.png');
    writeFileSync(mainPath, await photoPng({ width: 400, height: 300, grain: 200 }));
    const asset = await makeWebAsset({
      ...common(mainPath),
      web: { purpose: 'thumbnail', widths: [320], formats: ['webp', 'jpeg'], max_bytes: 1024 },
    });
    expect(asset.variants.map((v) => [path.basename(v.path), v.budget.met, v.budget.max_bytes])).toEqual([
      ['noise-320.webp', false, 1024],
      ['noise-320.jpg', false, 1024],
    ]);
    for (const variant of asset.variants) {
      expect(variant.bytes).toBeGreaterThan(1024);
      expect(readFileSync(variant.path).byteLength).toBe(variant.bytes);
      expect(variant.width).toBe(320);
    }
  }, 60_000);

  it('refuses before encoding when a variant exists, and replaces it (kept for recovery) with overwrite', async () => {
    const dir = freshFolder('exists');
    const mainPath = path.join(dir, 'card.png');
    writeFileSync(mainPath, photo);
    writeFileSync(path.join(dir, 'card-750.webp'), 'mine');
    const web = { purpose: 'card' as const, widths: [640, 750], formats: ['webp' as const] };
    const refused = makeWebAsset({ ...common(mainPath), web });
    await expect(refused).rejects.toBeInstanceOf(AtomicWriteError);
    await expect(refused).rejects.toThrow(/card-750\.webp" already exists/u);
    expect(filesIn(dir)).toEqual(['card-750.webp', 'card.png']);
    expect(readFileSync(path.join(dir, 'card-750.webp'), 'utf8')).toBe('mine');

    const asset = await makeWebAsset({ ...common(mainPath), web, overwrite: true });
    const replaced = asset.variants.find((v) => v.width === 750);
    expect(replaced?.replaced_file_kept_at).toBeDefined();
    expect(readFileSync(replaced?.replaced_file_kept_at ?? '', 'utf8')).toBe('mine');
    expect((await sharp(path.join(dir, 'card-750.webp')).metadata()).format).toBe('webp');
  }, 60_000);

  it('stops when cancelled, leaving neither variants nor temp files', async () => {
    const dir = freshFolder('cancel');
    const mainPath = path.join(dir, 'hero.png');
    writeFileSync(mainPath, photo);
    const controller = new AbortController();
    const run = makeWebAsset({
      ...common(mainPath),
      web: 'hero',
      signal: controller.signal,
      onProgress: (event) => {
        if (event.kind === 'variant' && event.done === 2) controller.abort(new Error('client cancelled'));
      },
    });
    await expect(run).rejects.toThrow('client cancelled');
    expect(filesIn(dir)).toEqual(['hero.png']);
    expect([pool.active, pool.waiting]).toEqual([0, 0]);
  }, 120_000);

  it('refuses a main file over the pixel limit before decoding it', async () => {
    const dir = freshFolder('large');
    const mainPath = path.join(dir, 'big.png');
    writeFileSync(mainPath, photo);
    await expect(
      makeWebAsset({ ...common(mainPath), web: 'hero', maxInputPixels: 1000 * 600 }),
    ).rejects.toBeInstanceOf(ImageTooLargeError);
    expect(filesIn(dir)).toEqual(['big.png']);
  });

  it('reads the main file itself, refusing one outside the allowed folders', async () => {
    const outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'web-outside-')));
    try {
      const mainPath = path.join(outside, 'x.png');
      writeFileSync(mainPath, photo);
      await expect(makeWebAsset({ ...common(mainPath), web: 'thumbnail' })).rejects.toThrow(/allowed/iu);
      expect(filesIn(outside)).toEqual(['x.png']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
