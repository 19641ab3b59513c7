import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, normalize, relative, sep } from 'node:path';
import sharp from 'sharp';
import { photoPng } from '../web/photo.js';
import type { ImageRef } from '../../electron/comfy/types.js';
import type { FakeValue } from './fake-nodes.js';

type FolderType = ImageRef['type'];

/** A file path, or why /view refuses the request. */
export type ResolvedPath = (string & {}) | 'bad-request' | 'forbidden';

/** ComfyUI's input/output/temp folders for the fake, with its naming rules for saved and uploaded files. */
export class FakeFiles {
  private tempPrefix = Math.random().toString(36).slice(2, 7).padEnd(5, 'x');

  private readonly texturedBySize = new Map<string, Promise<Buffer>>();

  /**
   * `textured`: images carry noise like a real generation (PNG size and encode cost), not one flat colour;
   * `'photo'`: a photographic-like scene (tests/web/photo.ts) that compresses like a photo, for web budgets.
   */
  constructor(
    readonly root: string,
    private readonly textured: boolean | 'photo' = false,
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
    const png = await this.png(width, height, image?.color ?? 0, image?.alpha);
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
    return this.png(image?.width ?? 512, image?.height ?? 512, image?.color ?? 0, image?.alpha);
  }

  private png(width: number, height: number, color: number, alpha = false): Promise<Buffer> {
    if (alpha) return halfTransparentPng(width, height, color);
    if (!this.textured) return solidPng(width, height, color);
    // Drawn once per size: a run then costs only its simulated steps, as on a GPU, not the fake's CPU.
    const key = `${width}x${height}`;
    let png = this.texturedBySize.get(key);
    if (!png)
      this.texturedBySize.set(
        key,
        (png = this.textured === 'photo' ? photoPng({ width, height }) : texturedPng(width, height)),
      );
    return png;
  }

  /** A small JPEG like the previews SlowProgress attaches to progress updates. */
  async previewJpeg(image: FakeValue | undefined): Promise<Buffer> {
    const { r, g, b } = rgb(image?.color ?? 0);
    return sharp({ create: { width: 64, height: 64, channels: 3, background: { r, g, b } } })
      .jpeg()
      .toBuffer();
  }

  /** A sampler's step preview (ComfyUI scales them to 512 px; smaller here, the bytes are not the point). */
  async samplerPreviewJpeg(step: number, steps: number): Promise<Buffer> {
    const shade = Math.round((255 * step) / steps);
    return sharp({
      create: { width: 128, height: 128, channels: 3, background: { r: shade, g: 96, b: 255 - shade } },
    })
      .jpeg()
      .toBuffer();
  }

  /** LoadImage's and LoadImageMask's validator: the name (a subfolder path, or "name [input]") is a file. */
  inputExists(name: string): boolean {
    const path = this.annotatedPath(name);
    return path !== undefined && existsSync(path);
  }

  /** LoadImage: the file's size, or undefined when it is not an image (PIL.UnidentifiedImageError). */
  async inputImage(name: string): Promise<FakeValue | undefined> {
    const size = await this.inputSize(name);
    return size && { type: 'IMAGE', ...size, batch: 1, color: 0x808080 };
  }

  /** LoadImageMask: a MASK of the file's size, or undefined when it is not an image. */
  async inputMask(name: string): Promise<FakeValue | undefined> {
    const size = await this.inputSize(name);
    return size && { type: 'MASK', ...size, batch: 1 };
  }

  private async inputSize(name: string): Promise<{ width: number; height: number } | undefined> {
    const path = this.annotatedPath(name);
    if (path === undefined) return undefined;
    try {
      const { width, height } = await sharp(path).metadata();
      return width && height ? { width, height } : undefined;
    } catch {
      return undefined;
    }
  }

  /** folder_paths.get_annotated_filepath: "name [output]" and "name [temp]" pick the folder, input by default. */
  annotatedPath(name: string): string | undefined {
    const annotated = /^(.*) \[(input|output|temp)\]$/.exec(name);
    const [file, type] =
      annotated?.[1] && annotated[2] ? [annotated[1], annotated[2] as FolderType] : [name, 'input' as const];
    const path = this.resolve(type, '', file);
    return path === 'forbidden' || path === 'bad-request' ? undefined : path;
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

  /**
   * /upload/image naming: same bytes keep the name, different bytes get "name (1).ext" unless overwriting. A
   * name with a slash is a 500 in ComfyUI (captures/upload-image.json): undefined here.
   */
  upload(
    bytes: Buffer,
    name: string,
    type: FolderType,
    subfolder: string,
    overwrite: boolean,
    write: (path: string) => void = (path) => writeFileSync(path, bytes),
  ): ImageRef | undefined {
    if (name.includes('/')) return undefined;
    const dir = join(this.folder(type), subfolder.split('/').join(sep));
    mkdirSync(dir, { recursive: true });
    let filename = name;
    if (!overwrite) {
      const stem = filename.slice(0, filename.length - extname(filename).length);
      for (let i = 1; existsSync(join(dir, filename)); i++) {
        if (readFileSync(join(dir, filename)).equals(bytes)) return { filename, subfolder, type };
        filename = `${stem} (${i})${extname(name)}`;
      }
    }
    write(join(dir, filename));
    return { filename, subfolder, type };
  }

  /**
   * /upload/mask: the original's RGB with the uploaded mask's alpha, written under the mask's name. The naming
   * compares the upload with the stored composite, so the same mask again gets "(1)"; an original that is
   * missing or unsafe writes nothing and still answers the name (captures/upload-mask.json).
   */
  async uploadMask(
    mask: Buffer,
    name: string,
    type: FolderType,
    subfolder: string,
    overwrite: boolean,
    original: { filename: string; type?: string; subfolder?: string },
  ): Promise<ImageRef | undefined> {
    const composite = await this.composite(mask, original);
    return this.upload(mask, name, type, subfolder, overwrite, (path) => {
      if (composite) writeFileSync(path, composite);
    });
  }

  private async composite(
    mask: Buffer,
    original: { filename: string; type?: string; subfolder?: string },
  ): Promise<Buffer | undefined> {
    if (!original.filename || original.filename.startsWith('/') || original.filename.includes('..'))
      return undefined;
    const type = original.type ?? 'output';
    if (type !== 'input' && type !== 'output' && type !== 'temp') return undefined;
    const path = this.resolve(type, original.subfolder ?? '', original.filename);
    if (path === 'forbidden' || path === 'bad-request' || !existsSync(path)) return undefined;
    const rgb = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const alpha = await sharp(mask).ensureAlpha().extractChannel(3).raw().toBuffer();
    const { width, height } = rgb.info;
    const rgba = Buffer.alloc(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      rgb.data.copy(rgba, i * 4, i * 3, i * 3 + 3);
      rgba[i * 4 + 3] = alpha[i] ?? 255;
    }
    return sharp(rgba, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();
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

/** JoinImageWithAlpha's output in the fake: the left half transparent, the rest opaque. */
async function halfTransparentPng(width: number, height: number, color: number): Promise<Buffer> {
  const { r, g, b } = rgb(color);
  const raw = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) raw.set([r, g, b, i % width < width / 2 ? 0 : 255], i * 4);
  return sharp(raw, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
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
export function texturedPng(width: number, height: number): Promise<Buffer> {
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
