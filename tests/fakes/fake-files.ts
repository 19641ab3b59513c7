import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, normalize, relative, sep } from 'node:path';
import sharp from 'sharp';
import type { ImageRef } from '../../electron/comfy/types.js';
import type { FakeValue } from './fake-nodes.js';

type FolderType = ImageRef['type'];

/** A file path, or why /view refuses the request. */
export type ResolvedPath = (string & {}) | 'bad-request' | 'forbidden';

/** ComfyUI's input/output/temp folders for the fake, with its naming rules for saved and uploaded files. */
export class FakeFiles {
  private tempPrefix = Math.random().toString(36).slice(2, 7).padEnd(5, 'x');

  private readonly texturedBySize = new Map<string, Promise<Buffer>>();

  /** `textured`: images carry noise like a real generation (PNG size and encode cost), not one flat colour. */
  constructor(
    readonly root: string,
    private readonly textured = false,
  ) {
    for (const type of ['input', 'output', 'temp'] as const)
      mkdirSync(this.folder(type), { recursive: true });
  }

  folder(type: FolderType): string {
    return join(this.root, type);
  }

  /** SaveImage / PreviewImage: one real PNG per batch item, numbered like ComfyUI (prefix_00001_.png). */
  async saveImages(
    image: FakeValue | undefined,
    prefix: string,
    type: 'output' | 'temp',
  ): Promise<ImageRef[]> {
    const width = image?.width ?? 512;
    const height = image?.height ?? 512;
    const png = await this.png(width, height, image?.color ?? 0);
    const fullPrefix = type === 'temp' ? `ComfyUI_temp_${this.tempPrefix}` : prefix;
    const subfolder = fullPrefix.includes('/') ? fullPrefix.slice(0, fullPrefix.lastIndexOf('/')) : '';
    const name = basename(fullPrefix);
    const dir = join(this.folder(type), subfolder);
    mkdirSync(dir, { recursive: true });
    let counter = nextCounter(dir, name);
    const refs: ImageRef[] = [];
    for (let i = 0; i < (image?.batch ?? 1); i++) {
      const filename = `${name}_${String(counter++).padStart(5, '0')}_.png`;
      writeFileSync(join(dir, filename), png);
      refs.push({ filename, subfolder, type });
    }
    return refs;
  }

  async pngOf(image: FakeValue | undefined): Promise<Buffer> {
    return this.png(image?.width ?? 512, image?.height ?? 512, image?.color ?? 0);
  }

  private png(width: number, height: number, color: number): Promise<Buffer> {
    if (!this.textured) return solidPng(width, height, color);
    // Drawn once per size: a run then costs only its simulated steps, as on a GPU, not the fake's CPU.
    const key = `${width}x${height}`;
    let png = this.texturedBySize.get(key);
    if (!png) this.texturedBySize.set(key, (png = texturedPng(width, height)));
    return png;
  }

  /** A small JPEG like the previews SlowProgress attaches to progress updates. */
  async previewJpeg(image: FakeValue | undefined): Promise<Buffer> {
    const { r, g, b } = rgb(image?.color ?? 0);
    return sharp({ create: { width: 64, height: 64, channels: 3, background: { r, g, b } } })
      .jpeg()
      .toBuffer();
  }

  inputExists(name: string): boolean {
    const path = this.resolve('input', '', name);
    return path !== 'forbidden' && path !== 'bad-request' && existsSync(path);
  }

  async inputImage(name: string): Promise<FakeValue> {
    const path = this.resolve('input', '', name);
    const meta = await sharp(typeof path === 'string' ? path : Buffer.alloc(0)).metadata();
    return { type: 'IMAGE', width: meta.width, height: meta.height, batch: 1, color: 0x808080 };
  }

  /** Top-level files of the input folder: what LoadImage's combo lists. */
  inputFiles(): string[] {
    return readdirSync(this.folder('input'), { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  }

  /** /view's path rules: 400 for names with .. or a leading slash, 403 for subfolders escaping the folder. */
  resolve(type: FolderType, subfolder: string, filename: string): ResolvedPath {
    if (filename.startsWith('/') || filename.includes('..')) return 'bad-request';
    const base = this.folder(type);
    const dir = normalize(join(base, subfolder));
    if (relative(base, dir).startsWith('..')) return 'forbidden';
    return join(dir, filename);
  }

  read(path: string): Buffer | undefined {
    return existsSync(path) ? readFileSync(path) : undefined;
  }

  /** /upload/image naming: same bytes keep the name, different bytes get "name (1).ext" unless overwriting. */
  upload(bytes: Buffer, name: string, type: FolderType, subfolder: string, overwrite: boolean): ImageRef {
    const dir = join(this.folder(type), subfolder.split('/').join(sep));
    mkdirSync(dir, { recursive: true });
    let filename = basename(name);
    if (!overwrite) {
      const stem = filename.slice(0, filename.length - extname(filename).length);
      for (let i = 1; existsSync(join(dir, filename)); i++) {
        if (readFileSync(join(dir, filename)).equals(bytes)) return { filename, subfolder, type };
        filename = `${stem} (${i})${extname(name)}`;
      }
    }
    writeFileSync(join(dir, filename), bytes);
    return { filename, subfolder, type };
  }
}

function nextCounter(dir: string, name: string): number {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d{5})_`);
  const used = readdirSync(dir)
    .map((file) => pattern.exec(file)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  return Math.max(0, ...used) + 1;
}

function rgb(color: number): { r: number; g: number; b: number } {
  return { r: (color >> 16) & 0xff, g: (color >> 8) & 0xff, b: color & 0xff };
}

function solidPng(width: number, height: number, color: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: rgb(color) } })
    .png()
    .toBuffer();
}

/**
 * Blurred noise: compresses about like a diffusion model's output (a 1024² PNG of about 1.4 MB), so moving and
 * re-encoding it costs what a real image costs.
 */
function texturedPng(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 12 },
    },
  })
    .blur(1.2)
    .png()
    .toBuffer();
}
