/**
 * An edit's inputs as files: the source and mask read under the path policy (images/source-read.ts: allowed folders
 * only, through the opened folder, size- and pixel-limited), the mask ComfyUI gets built with sharp (a mask file
 * scaled to the source, or a region drawn white on black), the staging at dispatch (read again, hash checked,
 * uploaded to the backend that runs the job) and, for inpaint, the source composited back outside the mask.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { BridgeError } from '../errors.js';
import type { InputUploads, UploadingClient } from '../comfy/uploads.js';
import { createPathPolicy, type PathAnchors, type PathPolicy } from '../images/path-policy.js';
import { decodeLimit, pixelLimitOf } from '../images/pixel-limit.js';
import { readSourceImage, type SourceImage } from '../images/source-read.js';
import type { EditSpec, StagedInputs } from '../jobs/types.js';
import { maskFit } from './edit-plan.js';

export interface ReadLimits {
  /** maxSourceMegabytes, in bytes. */
  maxBytes: number;
  /** maxInputMegapixels, in pixels. */
  maxPixels: number;
}

/** The read limits of the settings: maxSourceMegabytes and maxInputMegapixels. */
export function editReadLimits(settings: {
  maxSourceMegabytes: number;
  maxInputMegapixels: number;
}): ReadLimits {
  return {
    maxBytes: Math.round(settings.maxSourceMegabytes * 1_000_000),
    maxPixels: pixelLimitOf(settings.maxInputMegapixels),
  };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function readSource(
  path: string,
  policy: PathPolicy,
  anchors: Partial<PathAnchors>,
  limits: ReadLimits,
  role: 'source image' | 'mask' = 'source image',
  decodeWhole = true,
): Promise<SourceImage> {
  return readSourceImage(path, { policy, anchors, role, decodeWhole, ...limits });
}

/** An edit's source and mask as they are now, refused when either changed since the call was accepted. */
export async function readEditInputs(
  edit: EditSpec,
  allowedRoots: readonly string[],
  limits: ReadLimits,
): Promise<{ source: SourceImage; mask?: Buffer }> {
  const policy = createPathPolicy({ allowedRoots });
  // The same bytes as when the call was accepted (the hash says so) were decoded whole then: the header is enough.
  const source = await readSource(edit.source, policy, {}, limits, 'source image', false);
  if (sha256(source.bytes) !== edit.sourceHash) throw changed('source image', edit.source);
  if (edit.region) return { source, mask: await regionMask(edit.region, source) };
  if (!edit.mask) return { source };
  const mask = await readSource(edit.mask.path, policy, {}, limits, 'mask', false);
  if (sha256(mask.bytes) !== edit.mask.hash) throw changed('mask', edit.mask.path);
  return { source, mask: await fittedMask(mask, source) };
}

function changed(role: string, path: string): BridgeError {
  return new BridgeError(
    'source_changed',
    `The ${role} "${path}" changed after the edit was accepted; the edit was not run on the new content.`,
    { hint: 'Call edit_image again to edit the file as it is now.' },
  );
}

/** A greyscale PNG the size of the source: white inside the region (change), black elsewhere (keep). */
export async function regionMask(
  region: { x: number; y: number; width: number; height: number },
  source: { width: number; height: number },
): Promise<Buffer> {
  const white = await sharp({
    create: { width: region.width, height: region.height, channels: 3, background: '#ffffff' },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: source.width, height: source.height, channels: 3, background: '#000000' } })
    .composite([{ input: white, left: region.x, top: region.y }])
    .greyscale()
    .png()
    .toBuffer();
}

/** The mask file as a greyscale PNG of the source's size (transparent counts as black: keep). */
export async function fittedMask(
  mask: { bytes: Buffer; width: number; height: number },
  source: { width: number; height: number },
): Promise<Buffer> {
  let pipeline = sharp(mask.bytes).flatten({ background: '#000000' });
  if (maskFit(mask, source) === 'resize')
    pipeline = pipeline.resize(source.width, source.height, { fit: 'fill' });
  return pipeline.greyscale().png().toBuffer();
}

/**
 * At dispatch: the inputs read again through the policy of the job's allowed folders, checked against their hashes,
 * and uploaded to the backend that runs the job (once per backend and content; see comfy/uploads.ts).
 */
export async function stageEditInputs(
  edit: EditSpec,
  allowedRoots: readonly string[],
  limits: ReadLimits,
  uploads: InputUploads,
  client: UploadingClient,
): Promise<StagedInputs> {
  const { source, mask } = await readEditInputs(edit, allowedRoots, limits);
  const [inputImage, maskImage] = await Promise.all([
    uploads.ensure(client, source.bytes, 'image', source.format === 'jpeg' ? 'jpg' : source.format),
    mask ? uploads.ensure(client, mask, 'mask', 'png') : undefined,
  ]);
  return { inputImage, ...(maskImage === undefined ? {} : { maskImage }) };
}

/**
 * Inpaint's promise, kept whatever the workflow does: outside the mask the result is the source, pixel for pixel.
 * ComfyUI's image is scaled to the source's size, blended with the source by the mask (white: ComfyUI's pixel,
 * black: the source's, grey: between), and returned as a PNG of the source's size for rendering.
 */
export async function keepOutsideMask(
  result: Buffer,
  source: SourceImage,
  mask: Buffer,
  maxPixels: number,
): Promise<Buffer> {
  const { width, height } = source;
  const rgba = (input: Buffer, resize: boolean) => {
    let pipeline = sharp(input, decodeLimit(maxPixels));
    if (resize) pipeline = pipeline.resize(width, height, { fit: 'fill' });
    return pipeline.ensureAlpha().raw().toBuffer();
  };
  const [edited, original, weights] = await Promise.all([
    rgba(result, true),
    rgba(source.bytes, false),
    sharp(mask).extractChannel(0).raw().toBuffer(),
  ]);
  const out = Buffer.alloc(width * height * 4);
  for (let pixel = 0; pixel < width * height; pixel++) {
    const weight = weights[pixel]!;
    for (let channel = 0; channel < 4; channel++) {
      const i = pixel * 4 + channel;
      out[i] =
        weight === 0
          ? original[i]!
          : weight === 255
            ? edited[i]!
            : Math.round((edited[i]! * weight + original[i]! * (255 - weight)) / 255);
    }
  }
  let image = sharp(out, { raw: { width, height, channels: 4 } });
  if (!source.hasAlpha) image = image.removeAlpha();
  // Level 1: this PNG is only handed to the renderer, which encodes the file.
  return image.png({ compressionLevel: 1 }).toBuffer();
}

/** Whether a written image has an alpha channel, and the share of its pixels at least half transparent. */
export async function measureTransparency(
  bytes: Buffer,
  maxPixels: number,
): Promise<{ hasAlpha: boolean; transparentFraction: number }> {
  const image = sharp(bytes, decodeLimit(maxPixels));
  const { hasAlpha } = await image.metadata();
  if (!hasAlpha) return { hasAlpha: false, transparentFraction: 0 };
  const alpha = await image.ensureAlpha().extractChannel(3).raw().toBuffer();
  let transparent = 0;
  for (const value of alpha) if (value < 128) transparent += 1;
  return { hasAlpha: true, transparentFraction: Math.round((transparent / alpha.length) * 10_000) / 10_000 };
}
