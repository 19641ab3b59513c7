import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  certainVariantNames,
  budgetFor,
  capLadder,
  planVariants,
  webOptionSchema,
  webPurposes,
} from '../../electron/web/purposes.js';

const main = path.join('/site', 'public', 'hero.png');
const photo = { width: 2400, height: 1600, hasAlpha: false };

describe('the web option', () => {
  it('takes a purpose name or an object, and refuses what it cannot honour', () => {
    for (const purpose of webPurposes) expect(webOptionSchema.parse(purpose)).toBe(purpose);
    expect(webOptionSchema.parse({ widths: [320, 640], max_bytes: 50_000, base_url: '/img/' })).toEqual({
      widths: [320, 640],
      max_bytes: 50_000,
      base_url: '/img/',
    });
    expect(webOptionSchema.safeParse('banner').success).toBe(false);
    expect(webOptionSchema.safeParse({ formats: ['gif'] }).success).toBe(false);
    expect(webOptionSchema.safeParse({ widths: [8] }).success).toBe(false);
    expect(webOptionSchema.safeParse({ widths: [640.5] }).success).toBe(false);
    expect(webOptionSchema.safeParse({ quality: 50 }).success).toBe(false);
    expect(webOptionSchema.safeParse({ base_url: 'img/' }).success).toBe(false);
    expect(webOptionSchema.safeParse({ base_url: 'javascript:alert(1)' }).success).toBe(false);
    expect(webOptionSchema.safeParse({ base_url: 'https://cdn.example.com/a/' }).success).toBe(true);
    expect(webOptionSchema.safeParse({ purpose: 'og', widths: [640] }).success).toBe(false);
  });
});

describe('the width ladder', () => {
  it('is capped at the source width, which then tops the ladder', () => {
    expect(capLadder([640, 750, 828, 1080, 1200], 1024)).toEqual([640, 750, 828, 1024]);
    expect(capLadder([640, 750], 4000)).toEqual([640, 750]);
    expect(capLadder([640, 750], 500)).toEqual([500]);
    expect(capLadder([1200, 640, 640], 1200)).toEqual([640, 1200]);
  });

  it('scales a budget by area only above the budget width', () => {
    const settings = { maxBytes: 200_000, budgetWidth: 1200 };
    expect(budgetFor(640, settings)).toBe(200_000);
    expect(budgetFor(1200, settings)).toBe(200_000);
    expect(budgetFor(2400, settings)).toBe(800_000);
  });
});

describe('planVariants', () => {
  it('plans a hero: every ladder width in AVIF, WebP and a JPEG fallback, named next to the main file', () => {
    const { settings, variants } = planVariants(photo, 'hero', main);
    expect(settings).toMatchObject({ loading: 'eager', fetchPriority: 'high', sizes: '100vw' });
    expect(variants).toHaveLength(7 * 3);
    expect(variants.map((v) => path.basename(v.path)).slice(0, 3)).toEqual([
      'hero-640.avif',
      'hero-750.avif',
      'hero-828.avif',
    ]);
    expect(variants.map((v) => v.format)).toEqual([
      ...Array<string>(7).fill('avif'),
      ...Array<string>(7).fill('webp'),
      ...Array<string>(7).fill('jpeg'),
    ]);
    const jpeg1200 = variants.find((v) => v.format === 'jpeg' && v.width === 1200);
    expect(jpeg1200).toEqual({
      path: path.join('/site', 'public', 'hero-1200.jpg'),
      format: 'jpeg',
      width: 1200,
      height: 800,
      fit: 'fill',
      maxBytes: 200_000,
      floorWidth: 1080,
    });
    expect(variants.find((v) => v.format === 'avif' && v.width === 2048)?.maxBytes).toBe(
      Math.round(200_000 * (2048 / 1200) ** 2),
    );
  });

  it('keeps transparency: PNG instead of JPEG as the fallback', () => {
    const { variants } = planVariants({ width: 512, height: 512, hasAlpha: true }, 'icon', main);
    expect(variants.map((v) => `${path.basename(v.path)} ${v.width}x${v.height}`)).toEqual([
      'hero-48.avif 48x48',
      'hero-96.avif 96x96',
      'hero-192.avif 192x192',
      'hero-48.webp 48x48',
      'hero-96.webp 96x96',
      'hero-192.webp 192x192',
      'hero-48.png 48x48',
      'hero-96.png 96x96',
      'hero-192.png 192x192',
    ]);
  });

  it('crops avatars square at most as large as the shorter side', () => {
    const { variants } = planVariants({ width: 300, height: 200, hasAlpha: false }, 'avatar', main);
    expect(variants.filter((v) => v.format === 'jpeg').map((v) => [v.width, v.height, v.fit])).toEqual([
      [64, 64, 'cover'],
      [128, 128, 'cover'],
      [200, 200, 'cover'],
    ]);
  });

  it('makes og exactly 1200×630 even from a smaller source, JPEG or PNG with alpha', () => {
    const small = planVariants({ width: 768, height: 768, hasAlpha: false }, 'og', main);
    expect(small.variants).toEqual([
      {
        path: path.join('/site', 'public', 'hero-og.jpg'),
        format: 'jpeg',
        width: 1200,
        height: 630,
        fit: 'cover',
        maxBytes: 300_000,
        floorWidth: 1200,
      },
    ]);
    const alpha = planVariants({ width: 768, height: 768, hasAlpha: true }, 'og', main);
    expect(alpha.variants.map((v) => path.basename(v.path))).toEqual(['hero-og.png']);
  });

  it('lets an object override the purpose: widths, formats (modern first) and budget', () => {
    const { settings, variants } = planVariants(
      photo,
      { purpose: 'thumbnail', widths: [300, 100], formats: ['jpeg', 'webp'], max_bytes: 9000 },
      main,
    );
    expect(settings.formats).toEqual(['webp', 'jpeg']);
    expect(variants.map((v) => `${path.basename(v.path)} ${v.maxBytes}`)).toEqual([
      'hero-100.webp 9000',
      'hero-300.webp 9000',
      'hero-100.jpg 9000',
      'hero-300.jpg 9000',
    ]);
    expect(planVariants(photo, { widths: [640] }, main).settings.purpose).toBe('card');
  });
});

describe('certainVariantNames', () => {
  it('names what will be made whatever the transparency: the modern formats, not the fallback', () => {
    expect(certainVariantNames('thumbnail', { width: 512, height: 384 }, '/site/public/a.png')).toEqual([
      'a-160.avif',
      'a-320.avif',
      'a-512.avif',
      'a-160.webp',
      'a-320.webp',
      'a-512.webp',
    ]);
    expect(
      certainVariantNames({ purpose: 'card', formats: ['jpeg'] }, { width: 700, height: 400 }, '/s/b.png'),
    ).toEqual(['b-640.jpg', 'b-700.jpg']);
  });

  it('names the favicon set, favicon.ico among it', () => {
    expect(certainVariantNames('favicon', { width: 64, height: 64 }, '/s/public/logo.webp')).toEqual([
      'favicon.ico',
      'logo-180.png',
      'logo-192.png',
      'logo-512.png',
    ]);
  });
});
