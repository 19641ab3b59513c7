// One file: the cases share one core whose web pool is held shut at first, and the variant checker at the top.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { qualityRange } from '../../electron/web/encode.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { isBuilt, notBuiltMessage } from '../cli/built-cli.js';
import { sd15Models, startTestCore, tempDirs, until, type CoreFixture } from '../core/harness.js';
import { gatedPool } from '../web/gated-pool.js';
import { photoPng } from '../web/photo.js';
import { connect, type CallResult, type E2eClient, type Era, type Via } from './clients.js';
import { editWorkflowsDir } from './edit-fixtures.js';

/*
 * The `web` option end to end: real MCP clients, the real core and sharp, the fake ComfyUI saving a
 * photographic-like image. The core's web pool is held shut at first, so the main file is seen answered while its
 * variants are still pending, then opened to see check_batch_status report them done, files on disk as stated.
 */

const { tempDir, removeTempDirs } = tempDirs('bridge-web-');
if (!isBuilt) console.warn(`tests/mcp-e2e: ${notBuiltMessage}`);

interface Variant {
  path: string;
  url: string;
  format: 'avif' | 'webp' | 'jpeg' | 'png';
  width: number;
  height: number;
  bytes: number;
  budget: { max_bytes: number; met: boolean; quality: number; ssim?: number };
}
interface Web {
  status: 'pending' | 'done' | 'failed';
  batch_id?: string;
  purpose?: string;
  width?: number;
  height?: number;
  variants?: Variant[];
  placeholder?: { thumbhash: string; data_url: string };
  dominant_color?: string;
  alt?: string;
  html?: string;
  web_root?: string;
  error?: { code: string; message: string };
}
interface Image {
  path: string;
  width: number;
  height: number;
  web?: Web;
}
interface Status {
  done: boolean;
  items: { index: number; status: string; path?: string; web?: Web }[];
}

function imageOf(result: CallResult): { batchId: string; image: Image } {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  const content = result.structuredContent as { status: string; batch_id: string; images: Image[] };
  expect(content.status).toBe('completed');
  return { batchId: content.batch_id, image: content.images[0]! };
}

function textOf(result: CallResult): string {
  return result.content.map((block) => (typeof block.text === 'string' ? block.text : '')).join('\n');
}

function statusOf(result: CallResult): Status {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as unknown as Status;
}

const formatOfSharp = { avif: 'heif', webp: 'webp', jpeg: 'jpeg', png: 'png' } as const;
const extension = { avif: 'avif', webp: 'webp', jpeg: 'jpg', png: 'png' } as const;

/**
 * Every variant is the file it claims: named `<stem>-<width>.<ext>` beside the main file, of that format and size
 * and byte count, within its budget, with a URL from the site root of the project's public/ folder.
 */
async function expectVariants(
  web: Web,
  main: string,
  expected: { formats: Variant['format'][]; sizes: [number, number][]; urlDir: string },
): Promise<void> {
  expect(web.status, JSON.stringify(web.error)).toBe('done');
  const variants = web.variants!;
  expect(variants).toHaveLength(expected.formats.length * expected.sizes.length);
  const stem = basename(main).replace(/\.[^.]+$/u, '');
  for (const format of expected.formats) {
    const ofFormat = variants.filter((variant) => variant.format === format);
    expect(ofFormat.map((variant) => [variant.width, variant.height])).toEqual(expected.sizes);
    for (const variant of ofFormat) {
      const name = `${stem}-${variant.width}.${extension[format]}`;
      expect(variant.path).toBe(join(dirname(main), name));
      expect(variant.url).toBe(`${expected.urlDir}/${name}`);
      const metadata = await sharp(variant.path).metadata();
      expect([metadata.format, metadata.width, metadata.height], name).toEqual([
        formatOfSharp[format],
        variant.width,
        variant.height,
      ]);
      expect(statSync(variant.path).size, name).toBe(variant.bytes);
      expect(variant.budget.met, name).toBe(true);
      expect(variant.bytes, name).toBeLessThanOrEqual(variant.budget.max_bytes);
      // SSIM is measured when the quality was lowered; the top quality, which fitted at once, is not.
      if (variant.budget.ssim === undefined)
        expect(variant.budget.quality, name).toBe(qualityRange[format].max);
      else expect(variant.budget.ssim, name).toBeGreaterThanOrEqual(0.95);
    }
  }
  expect(web.placeholder?.thumbhash).toMatch(/^[A-Za-z0-9+/]{20,}={0,2}$/u);
  expect(web.placeholder?.data_url).toMatch(/^data:image\/png;base64,/u);
  expect(web.dominant_color).toMatch(/^#[0-9a-f]{6}$/u);
}

describe('web-ready output through MCP', () => {
  let fake: FakeComfyUI;
  let fixture: CoreFixture;
  let gate: ReturnType<typeof gatedPool>;
  let workspace: string;
  let client: E2eClient | undefined;
  let sites = 0;

  beforeAll(async () => {
    fake = await startFakeComfyUI({ models: sd15Models, stepMs: 2, textured: 'photo' });
    workspace = tempDir();
    gate = gatedPool();
    fixture = await startTestCore({
      urls: [fake.url],
      settings: { allowedDirs: [workspace], userWorkflowsDir: editWorkflowsDir },
      tuning: { webPool: gate.pool },
    });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    gate.open();
    await fixture.core.stop();
    await fake.close();
    removeTempDirs();
  });

  const open = async (era: Era, via: Via) => {
    const site = join(workspace, `site-${++sites}`);
    mkdirSync(join(site, 'public'), { recursive: true });
    client = await connect(era, via, {
      mcpUrl: fixture.core.mcpUrl,
      token: fixture.core.settings.get().mcpToken,
      shimArgs: ['--data-dir', fixture.dataDir],
      roots: [site],
    });
    return { site, agent: client };
  };

  it('answers with the main file at once, variants pending; check_batch_status reports them done (generate, edit, batch item)', async () => {
    const { site, agent } = await open('2026', 'http');
    const hero = join(site, 'public', 'hero.png');
    writeFileSync(hero, await photoPng({ width: 400, height: 300, seed: 3 }));

    // generate_image with web: "hero"
    const generated = await agent.call('generate_image', {
      prompt: 'a photo of a misty lake at dawn with pine trees, (reflections:1.2), 8k, masterpiece',
      workflow: 'sd15',
      width: 1024,
      height: 768,
      save_path: 'public/images/lake.png',
      web: 'hero',
    });
    const { batchId, image } = imageOf(generated);
    const lake = join(site, 'public', 'images', 'lake.png');
    expect(image).toMatchObject({ path: lake, width: 1024, height: 768 });
    expect(image.web).toEqual({ status: 'pending', batch_id: batchId });
    expect(textOf(generated)).toContain(
      `Web variants are still being made: check_batch_status "${batchId}" reports them.`,
    );
    // The main file is written; its variants wait for the pool.
    expect(existsSync(lake)).toBe(true);
    expect(existsSync(join(site, 'public', 'images', 'lake-640.avif'))).toBe(false);
    const early = statusOf(await agent.call('check_batch_status', { batch_id: batchId }));
    expect(early.done).toBe(false);
    expect(early.items[0]).toMatchObject({ status: 'completed', path: lake, web: { status: 'pending' } });

    // edit_image with web: an object
    const edited = imageOf(
      await agent.call('edit_image', {
        image: 'public/hero.png',
        mode: 'restyle',
        prompt: 'a watercolour harbour at noon',
        web: { purpose: 'thumbnail' },
      }),
    );
    expect(edited.image.web).toEqual({ status: 'pending', batch_id: edited.batchId });

    // batch items: web from defaults, and an item's own
    const accepted = await agent.call('batch_generate_images', {
      items: [
        { prompt: 'a red door', save_path: 'public/shop/door.png' },
        { prompt: 'a fox, portrait', save_path: 'public/shop/fox.png', web: 'icon' },
      ],
      defaults: {
        workflow: 'sd15',
        width: 512,
        height: 384,
        web: { purpose: 'thumbnail', formats: ['webp'] },
      },
    });
    const batch = (accepted.structuredContent as { batch_id: string }).batch_id;
    await until(
      () => fixture.core.scheduler.get(batch)!.jobs.every((job) => job.state === 'completed'),
      'the batch images written',
      60_000,
    );
    const beforeGate = statusOf(await agent.call('check_batch_status', { batch_id: batch }));
    expect(beforeGate.done).toBe(false);
    expect(beforeGate.items.map((item) => item.web?.status)).toEqual(['pending', 'pending']);
    expect(gate.waiting).toBeGreaterThan(0);

    gate.open();

    const done = statusOf(await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 240 }));
    expect(done.done).toBe(true);
    const web = done.items[0]!.web!;
    await expectVariants(web, lake, {
      formats: ['avif', 'webp', 'jpeg'],
      sizes: [
        [640, 480],
        [750, 563],
        [828, 621],
        [1024, 768],
      ],
      urlDir: '/images',
    });
    expect(web).toMatchObject({
      purpose: 'hero',
      width: 1024,
      height: 768,
      alt: 'A misty lake at dawn with pine trees, reflections',
      web_root: 'public',
    });
    const html = web.html!;
    expect(html).toMatch(/^<picture>/u);
    expect(html).toContain('/images/lake-640.avif 640w');
    expect(html).toContain('src="/images/lake-1024.jpg"');
    expect(html).toContain('width="1024"');
    expect(html).toContain('height="768"');
    expect(html).toContain('alt="A misty lake at dawn with pine trees, reflections"');
    expect(html).toContain('loading="eager"');
    expect(html).toContain('fetchpriority="high"');
    expect(html).not.toContain(site);
    // The dashboard's lightbox shows the asset: it is kept on the image's gallery record.
    const kept = (await fixture.core.gallery.loaded()).findByPath(lake)?.web;
    expect(kept).toMatchObject({ purpose: 'hero', html });
    expect(kept?.variants.map((variant) => `${variant.format}-${variant.width}`)).toContain('avif-640');

    const editDone = statusOf(
      await agent.call('check_batch_status', { batch_id: edited.batchId, wait_seconds: 240 }),
    );
    expect(editDone.done).toBe(true);
    await expectVariants(editDone.items[0]!.web!, edited.image.path, {
      formats: ['avif', 'webp', 'jpeg'],
      sizes: [
        [160, 120],
        [320, 240],
        [400, 300],
      ],
      urlDir: '',
    });
    expect(editDone.items[0]!.web!.alt).toBe('A watercolour harbour at noon');

    const batchDone = statusOf(
      await agent.call('check_batch_status', { batch_id: batch, wait_seconds: 240 }),
    );
    expect(batchDone.done).toBe(true);
    const [door, fox] = batchDone.items;
    await expectVariants(door!.web!, join(site, 'public', 'shop', 'door.png'), {
      formats: ['webp'],
      sizes: [
        [160, 120],
        [320, 240],
        [512, 384],
      ],
      urlDir: '/shop',
    });
    await expectVariants(fox!.web!, join(site, 'public', 'shop', 'fox.png'), {
      formats: ['avif', 'webp', 'jpeg'],
      sizes: [
        [48, 48],
        [96, 96],
        [192, 192],
      ],
      urlDir: '/shop',
    });
    // What the job store holds on disk says the same: variants are part of the durable job.
    const stored = fixture.core.scheduler.get(batch)!.jobs.map((job) => job.web?.status);
    expect(stored).toEqual(['done', 'done']);
  }, 300_000);

  it('refuses a wrong web option with what to change, before any image is made', async () => {
    const { agent } = await open('2026', 'http');
    const submitted = fake.submitted.length;
    const cases: [unknown, string][] = [
      [
        'banner',
        'web: "banner" is not a purpose; use one of hero, card, thumbnail, avatar, icon, og, background',
      ],
      [
        { quality: 3 },
        'web: no field "quality"; it takes purpose, widths, formats, max_bytes, placeholder, base_url',
      ],
      [{ widths: [8] }, 'web: widths[0] must be at least 16 px'],
      [{ purpose: 'og', formats: ['webp'] }, 'leave widths and formats out'],
      [{ purpose: 'favicon', widths: [64] }, 'purpose "favicon" is always favicon.ico (32 px)'],
    ];
    for (const [web, message] of cases) {
      const refused = await agent.call('generate_image', { prompt: 'a cat', workflow: 'sd15', web });
      expect(refused.isError, JSON.stringify(web)).toBe(true);
      expect(textOf(refused)).toContain(message);
    }
    const item = await agent.call('batch_generate_images', { items: [{ prompt: 'a cat', web: 'large' }] });
    expect(item.isError).toBe(true);
    expect(textOf(item)).toContain('items.0.web: "large" is not a purpose');
    expect(fake.submitted.length).toBe(submitted);
  });

  it('variants that cannot be made fail on their own: the image stays completed, the reason is reported', async () => {
    gate.open();
    const { site, agent } = await open('2026', 'http');
    const taken = join(site, 'public', 'taken-160.webp');
    // The name is free when the call is made (a taken one is refused up front: the next case) and taken while
    // ComfyUI draws.
    fake.holdSampling(true);
    const submitted = fake.submitted.length;
    const answer = agent.call('generate_image', {
      prompt: 'a quiet street',
      workflow: 'sd15',
      width: 512,
      height: 384,
      save_path: 'public/taken.png',
      web: { purpose: 'thumbnail', formats: ['webp'] },
    });
    await until(() => fake.submitted.length > submitted, 'ComfyUI has the prompt');
    writeFileSync(taken, 'not ours');
    fake.holdSampling(false);
    const { batchId, image } = imageOf(await answer);
    const done = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 240 });
    expect(statusOf(done)).toMatchObject({
      done: true,
      items: [
        { status: 'completed', path: image.path, web: { status: 'failed', error: { code: 'file_exists' } } },
      ],
    });
    expect(textOf(done)).toMatch(/Web variants failed: .*taken-160\.webp" already exists/u);
    expect(readFileSync(taken, 'utf8')).toBe('not ours');
    expect(existsSync(join(site, 'public', 'taken-320.webp'))).toBe(false);
  }, 300_000);

  it('a file the variants would replace refuses the call before ComfyUI draws, unless overwrite', async () => {
    gate.open();
    const { site, agent } = await open('2026', 'http');
    writeFileSync(join(site, 'public', 'favicon.ico'), 'the site’s own');
    const submitted = fake.submitted.length;
    const refused = await agent.call('generate_image', {
      prompt: 'a fox head logo, flat',
      workflow: 'sd15',
      width: 256,
      height: 256,
      save_path: 'public/fox.png',
      web: 'favicon',
    });
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent).toMatchObject({ error: { code: 'file_exists' } });
    expect(textOf(refused)).toContain(`web: "${join(site, 'public', 'favicon.ico')}" already exists`);
    expect(textOf(refused)).toContain('Pass overwrite: true');
    expect(fake.submitted.length).toBe(submitted);
    expect(existsSync(join(site, 'public', 'fox.png'))).toBe(false);
    // An edit and a batch item the same way: the edit's file is named from its source.
    writeFileSync(join(site, 'public', 'source.png'), await photoPng({ width: 256, height: 256 }));
    const edit = await agent.call('edit_image', {
      image: 'public/source.png',
      mode: 'restyle',
      prompt: 'a watercolour fox',
      web: 'favicon',
    });
    expect(edit.isError).toBe(true);
    expect(textOf(edit)).toContain(`web: "${join(site, 'public', 'favicon.ico')}" already exists`);
    const batch = await agent.call('batch_generate_images', {
      items: [{ prompt: 'a fox', save_path: 'public/fox.png', web: 'favicon' }],
      defaults: { workflow: 'sd15', width: 256, height: 256 },
    });
    expect(batch.isError).toBe(true);
    expect(textOf(batch)).toContain('favicon.ico" already exists');
    expect(fake.submitted.length).toBe(submitted);

    const { batchId } = imageOf(
      await agent.call('generate_image', {
        prompt: 'a fox head logo, flat',
        workflow: 'sd15',
        width: 256,
        height: 256,
        save_path: 'public/fox.png',
        web: 'favicon',
        overwrite: true,
      }),
    );
    const done = statusOf(await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 240 }));
    expect(done.items[0]!.web!.status).toBe('done');
    expect(readFileSync(join(site, 'public', 'favicon.ico')).readUInt16LE(2)).toBe(1);
  }, 300_000);

  it('web "favicon": favicon.ico and the PNGs beside the image, the <link> tags and the manifest icons', async () => {
    gate.open();
    const { site, agent } = await open('2025', 'http');
    const { batchId, image } = imageOf(
      await agent.call('generate_image', {
        prompt: 'a fox head logo, flat',
        workflow: 'sd15',
        width: 512,
        height: 512,
        save_path: 'public/logo.png',
        web: 'favicon',
      }),
    );
    const done = await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 240 });
    const web = statusOf(done).items[0]!.web! as Web & { manifest_icons?: unknown };
    expect(web.status).toBe('done');
    expect(
      web.variants!.map((variant) => [variant.path, variant.format, variant.width, variant.bytes]),
    ).toEqual(
      [
        ['favicon.ico', 'ico', 32],
        ['logo-180.png', 'png', 180],
        ['logo-192.png', 'png', 192],
        ['logo-512.png', 'png', 512],
      ].map(([name, format, width]) => [
        join(site, 'public', String(name)),
        format,
        width,
        statSync(join(site, 'public', String(name))).size,
      ]),
    );
    expect(web.html).toBe(
      [
        '<link rel="icon" href="/favicon.ico" sizes="32x32">',
        '<link rel="icon" type="image/png" href="/logo-192.png" sizes="192x192">',
        '<link rel="apple-touch-icon" href="/logo-180.png">',
      ].join('\n'),
    );
    expect(web.manifest_icons).toEqual([
      { src: '/logo-192.png', sizes: '192x192', type: 'image/png' },
      { src: '/logo-512.png', sizes: '512x512', type: 'image/png' },
    ]);
    // Clients that show the model only the text (Gemini CLI, LangChain's adapters) get the tags there too.
    expect(textOf(done)).toContain(
      `Paste the <link> tags (web.html):\n${web.html}\nThe web app manifest's icons (web.manifest_icons): ${JSON.stringify(web.manifest_icons)}`,
    );
    expect(image.path).toBe(join(site, 'public', 'logo.png'));
  }, 300_000);

  it.runIf(isBuilt)(
    'through the stdio shim: generate_image with web gets its variants',
    async () => {
      gate.open();
      const { site, agent } = await open('2025', 'stdio');
      const { batchId, image } = imageOf(
        await agent.call('generate_image', {
          prompt: 'a lighthouse on a cliff',
          workflow: 'sd15',
          width: 700,
          height: 467,
          save_path: 'public/light.png',
          web: { purpose: 'card', formats: ['avif', 'webp'] },
        }),
      );
      expect(image.path).toBe(join(site, 'public', 'light.png'));
      const done = statusOf(await agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 240 }));
      expect(done.done).toBe(true);
      await expectVariants(done.items[0]!.web!, image.path, {
        formats: ['avif', 'webp'],
        sizes: [
          [640, 427],
          [700, 467],
        ],
        urlDir: '',
      });
      expect(done.items[0]!.web!.html).toContain('srcset="/light-640.avif 640w, /light-700.avif 700w"');
    },
    300_000,
  );
});
