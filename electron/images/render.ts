/**
 * Turns what ComfyUI produced into exactly the file the agent asked for: the requested width × height (cover +
 * centre crop when the aspect differs), the requested format, and the generation's metadata embedded where the
 * format has a place for it (PNG text chunks; XMP for JPEG and WebP).
 */
import sharp from 'sharp';
import type { OutputFormat } from '../../shared/generation.js';
import { isPng, pngSize, pngTextParts, readPngText } from './png-text.js';
import { checkPixelCount, decodeLimit, DEFAULT_MAX_INPUT_MEGAPIXELS, pixelLimitOf } from './pixel-limit.js';
import { readXmpProperties, xmpPacket } from './xmp.js';

export interface RenderOptions {
  width: number;
  height: number;
  format: OutputFormat;
  /** 1–100 for JPEG and lossy WebP; encoder default when left out. */
  quality?: number;
  /** WebP only. */
  lossless?: boolean;
  /** Embedded as PNG text chunks or XMP properties; keys are simple names such as "prompt" or "parameters". */
  metadata?: Record<string, string>;
  /** A larger input is refused (ImageTooLargeError) before it is decoded. */
  maxInputPixels?: number;
}

export interface RenderedImage {
  bytes: Buffer;
  width: number;
  height: number;
  format: OutputFormat;
}

/** The rendered file as pieces to write one after another (renderImageParts). */
export interface RenderedParts extends Omit<RenderedImage, 'bytes'> {
  parts: Buffer[];
}

/**
 * The rendered file as pieces, never joined into one buffer: a PNG kept at its size is ComfyUI's bytes with the
 * text chunks between them, written as they are (atomic-write.ts takes the pieces).
 */
export async function renderImageParts(input: Buffer, options: RenderOptions): Promise<RenderedParts> {
  const { width, height, format } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`width and height must be positive whole numbers (got ${width} × ${height}).`);
  }
  // A PNG's size is in its first bytes; only other formats need libvips to read it.
  const header = pngSize(input);
  const source = header ? { ...header, format: 'png' } : await sharp(input).metadata();
  const maxPixels = options.maxInputPixels ?? pixelLimitOf(DEFAULT_MAX_INPUT_MEGAPIXELS);
  checkPixelCount('The image', source.width, source.height, maxPixels);
  const entries = Object.entries(options.metadata ?? {});
  const sameSize = source.width === width && source.height === height;
  const result = { width, height, format };

  // Nothing to change: hand back ComfyUI's bytes untouched (no generation loss, no CPU).
  if (sameSize && source.format === format && entries.length === 0) return { parts: [input], ...result };
  // Right size and already PNG: the text chunks can go straight into the original bytes.
  if (sameSize && source.format === 'png' && format === 'png') {
    return { parts: pngTextParts(input, options.metadata ?? {}), ...result };
  }

  let pipeline = sharp(input, decodeLimit(maxPixels));
  if (!sameSize) pipeline = pipeline.resize(width, height, { fit: 'cover', position: 'centre' });
  if (format === 'jpeg') {
    // JPEG has no alpha; flatten on white rather than letting transparent areas turn black.
    pipeline = pipeline
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: options.quality ?? 90, mozjpeg: true });
  } else if (format === 'webp') {
    const lossless = options.lossless ?? false;
    // Lossy at effort 2 rather than libwebp's default 4: half the encode time of a 1024² image (about 75 against
    // 150 ms here) for 0.1–0.3 dB less PSNR and ±3 % size at the same quality. Lossless keeps the default
    // effort, which there buys smaller files, not better pixels.
    pipeline = pipeline.webp({
      quality: options.quality ?? 90,
      lossless,
      ...(lossless ? {} : { effort: 2 }),
    });
  } else {
    pipeline = pipeline.png();
  }
  if (format !== 'png' && entries.length > 0) pipeline = pipeline.withXmp(xmpPacket(options.metadata ?? {}));

  const bytes = await pipeline.toBuffer();
  // Re-encoding drops ComfyUI's own chunks ("prompt": its API graph, "workflow": its UI graph); they are carried
  // over so that a resized PNG has the same keys as one whose bytes were kept.
  const text = format === 'png' ? { ...comfyChunks(input), ...options.metadata } : {};
  return {
    parts: format === 'png' && Object.keys(text).length > 0 ? pngTextParts(bytes, text) : [bytes],
    ...result,
  };
}

/** ComfyUI's own text chunks of a PNG it saved (none for other formats). */
function comfyChunks(input: Buffer): Record<string, string> {
  if (!isPng(input)) return {};
  const { prompt, workflow } = readPngText(input);
  return { ...(prompt === undefined ? {} : { prompt }), ...(workflow === undefined ? {} : { workflow }) };
}

/** The metadata renderImageParts embedded (PNG text chunks, or the bridge's XMP properties in JPEG/WebP). */
export async function readEmbeddedMetadata(bytes: Buffer): Promise<Record<string, string>> {
  if (isPng(bytes)) return readPngText(bytes);
  const { xmp } = await sharp(bytes).metadata();
  return xmp ? readXmpProperties(xmp.toString('utf8')) : {};
}

/** A WebP thumbnail whose long edge is at most `size` (capped at 256) pixels; never enlarges. */
export async function makeThumbnail(source: string | Buffer, size = 256): Promise<Buffer> {
  const edge = Math.max(1, Math.min(256, Math.round(size)));
  return sharp(source)
    .autoOrient()
    .resize(edge, edge, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70 })
    .toBuffer();
}

export const previewMaxEdge = 512;
export const previewMaxBytes = 100 * 1024;
const previewQualities = [80, 65, 50, 35, 20];

/**
 * A WebP preview small enough to inline in a tool result: long edge ≤ 512 px and ≤ 100 KB. Decodes once, then
 * re-encodes from the resized pixels at falling quality, shrinking further only if even the lowest quality is too big.
 */
export async function makePreview(source: string | Buffer): Promise<RenderedImage> {
  const decoded = await sharp(source)
    .autoOrient()
    .resize(previewMaxEdge, previewMaxEdge, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels };
  for (let scale = 1; ; scale *= 0.75) {
    const width = Math.max(1, Math.round(raw.width * scale));
    const height = Math.max(1, Math.round(raw.height * scale));
    for (const quality of previewQualities) {
      let pipeline = sharp(decoded.data, { raw });
      if (scale < 1) pipeline = pipeline.resize(width, height, { fit: 'fill' });
      const bytes = await pipeline.webp({ quality }).toBuffer();
      if (bytes.length <= previewMaxBytes || (width === 1 && height === 1)) {
        return { bytes, width, height, format: 'webp' };
      }
    }
  }
}
