/**
 * The pure decisions of an edit (edit_image, or a batch item with `image` and `mode`): which fields a mode takes,
 * its fallback strength, the exact output size, the output format, and the default file name next to the source.
 * Every refusal is a BridgeError that names the field and what to pass instead.
 */
import path from 'node:path';
import type { EditMode, OutputFormat } from '../../shared/generation.js';
import { BridgeError } from '../errors.js';
import { extensionFor } from '../images/format.js';
import type { Extend, Region } from '../jobs/types.js';

/** What a call asks of an edit, as the tool's arguments give it. */
export interface EditRequest {
  mode: EditMode;
  prompt?: string | undefined;
  mask?: string | undefined;
  region?: Region | undefined;
  strength?: number | undefined;
  extend?: Partial<Extend> | undefined;
  width?: number | undefined;
  height?: number | undefined;
  scale?: number | undefined;
}

export interface Size {
  width: number;
  height: number;
}

export interface EditPlan {
  /** The exact size of the written file. */
  width: number;
  height: number;
  strength?: number;
  extend?: Extend;
  scale?: number;
}

/**
 * How far from the source a mode goes when neither the call (strength) nor the workflow (its sidecar's
 * defaults.denoise) says: the workflow's own value is tuned for its model, so it comes first.
 */
export const DEFAULT_STRENGTH: Partial<Record<EditMode, number>> = { restyle: 0.6, inpaint: 1, outpaint: 1 };

/** The suffix of the default file name: hero.png → hero.edited.png. */
export const EDIT_SUFFIX: Record<EditMode, string> = {
  restyle: 'edited',
  inpaint: 'edited',
  outpaint: 'extended',
  upscale: 'upscaled',
  remove_background: 'cutout',
};

const PROMPTED: readonly EditMode[] = ['restyle', 'inpaint', 'outpaint'];
const DEFAULT_UPSCALE = 2;
/** The workflow's {{scale}} range (workflows/bind.ts). */
const MAX_SCALE = 8;

function invalid(message: string, hint?: string): BridgeError {
  return new BridgeError('invalid_arguments', message, hint === undefined ? {} : { hint });
}

/** Refuses fields the mode does not use, so a mistaken call is told rather than silently ignored. */
function checkFieldsFor(request: EditRequest): void {
  const { mode } = request;
  const only: [keyof EditRequest, EditMode][] = [
    ['mask', 'inpaint'],
    ['region', 'inpaint'],
    ['extend', 'outpaint'],
    ['scale', 'upscale'],
  ];
  for (const [field, owner] of only) {
    if (request[field] !== undefined && mode !== owner)
      throw invalid(`${field} applies to mode ${owner}, not ${mode}.`);
  }
  if (mode === 'remove_background' && request.strength !== undefined)
    throw invalid('strength does not apply to remove_background.');
  if (PROMPTED.includes(mode) && !request.prompt)
    throw invalid(`mode ${mode} needs a prompt: what the result should show.`);
}

/** The output size and the workflow values of an edit of a source of this size; throws a BridgeError. */
export function planEdit(request: EditRequest, source: Size, maxPixels: number): EditPlan {
  checkFieldsFor(request);
  const { strength } = request;
  const withStrength = strength === undefined ? {} : { strength };
  let plan: EditPlan;
  switch (request.mode) {
    case 'inpaint':
      if ((request.mask === undefined) === (request.region === undefined))
        throw invalid(
          'inpaint needs either mask (a file, white = change) or region ({x, y, width, height}).',
        );
      if (request.region) checkRegion(request.region, source);
      plan = { ...keptSize(request, source), ...withStrength };
      break;
    case 'outpaint':
      plan = { ...outpaintSize(request, source), ...withStrength };
      break;
    case 'upscale':
      plan = { ...upscaleSize(request, source), ...withStrength };
      break;
    default:
      plan = { ...keptSize(request, source), ...withStrength };
  }
  if (plan.width * plan.height > maxPixels)
    throw new BridgeError(
      'image_too_large',
      `The result would be ${plan.width}x${plan.height}, over the limit of ${Math.floor(maxPixels / 1e6)} megapixels.`,
      { hint: 'Ask for a smaller size or scale, or raise maxInputMegapixels in the settings.' },
    );
  return plan;
}

/** The source's size, or the size asked for (one side given: the other follows the source's aspect). */
function keptSize(request: EditRequest, source: Size): Size {
  const { width, height } = request;
  if (width !== undefined && height !== undefined) return { width, height };
  if (width !== undefined)
    return { width, height: Math.max(1, Math.round((width * source.height) / source.width)) };
  if (height !== undefined)
    return { width: Math.max(1, Math.round((height * source.width) / source.height)), height };
  return { width: source.width, height: source.height };
}

function checkRegion(region: Region, source: Size): void {
  const inside =
    region.x >= 0 &&
    region.y >= 0 &&
    region.width >= 1 &&
    region.height >= 1 &&
    region.x + region.width <= source.width &&
    region.y + region.height <= source.height;
  if (!inside)
    throw new BridgeError(
      'region_outside_image',
      `region {x: ${region.x}, y: ${region.y}, width: ${region.width}, height: ${region.height}} is not inside the ${source.width}x${source.height} source.`,
      { hint: 'Give the region in pixels of the source, within its width and height.' },
    );
}

/** extend as given, or the target size reached by padding the source equally on both sides. */
function outpaintSize(request: EditRequest, source: Size): Size & { extend: Extend } {
  const target = request.width !== undefined || request.height !== undefined;
  if (request.extend !== undefined && target)
    throw invalid('outpaint takes extend or width/height, not both.');
  let extend: Extend;
  if (request.extend !== undefined) {
    extend = { left: 0, right: 0, top: 0, bottom: 0, ...request.extend };
  } else if (target) {
    const width = request.width ?? source.width;
    const height = request.height ?? source.height;
    if (width < source.width || height < source.height)
      throw invalid(
        `outpaint's width and height (${width}x${height}) must be at least the source's (${source.width}x${source.height}).`,
        'To make it smaller, use restyle with width/height, or crop the source first.',
      );
    const left = Math.floor((width - source.width) / 2);
    const top = Math.floor((height - source.height) / 2);
    extend = { left, right: width - source.width - left, top, bottom: height - source.height - top };
  } else {
    throw invalid('outpaint needs extend ({left, right, top, bottom} pixels) or a larger width/height.');
  }
  if (extend.left + extend.right + extend.top + extend.bottom === 0)
    throw invalid('outpaint would add nothing: give extend, or a width/height larger than the source.');
  return {
    width: source.width + extend.left + extend.right,
    height: source.height + extend.top + extend.bottom,
    extend,
  };
}

/** scale × the source, or the target size (one side given: the other follows the source's aspect). */
function upscaleSize(request: EditRequest, source: Size): Size & { scale: number } {
  const target = request.width !== undefined || request.height !== undefined;
  if (request.scale !== undefined && target) throw invalid('upscale takes scale or width/height, not both.');
  if (!target) {
    const scale = request.scale ?? DEFAULT_UPSCALE;
    return { width: source.width * scale, height: source.height * scale, scale };
  }
  const size = keptSize(request, source);
  if (size.width < source.width || size.height < source.height)
    throw invalid(
      `upscale's width and height (${size.width}x${size.height}) must be at least the source's (${source.width}x${source.height}).`,
    );
  const scale = Math.max(size.width / source.width, size.height / source.height);
  if (scale > MAX_SCALE)
    throw invalid(
      `upscale goes at most ${MAX_SCALE}x; ${size.width}x${size.height} is ${scale.toFixed(1)}x.`,
    );
  return { ...size, scale };
}

/**
 * The format when neither save_path nor format names one: the source's, so a JPEG photo stays a JPEG; a cut-out
 * keeps its transparency, so it is PNG unless the source was WebP.
 */
export function defaultEditFormat(mode: EditMode, sourceFormat: OutputFormat): OutputFormat {
  if (mode === 'remove_background') return sourceFormat === 'webp' ? 'webp' : 'png';
  return sourceFormat;
}

/** remove_background's transparency needs a format that has an alpha channel. */
export function checkEditFormat(mode: EditMode, format: OutputFormat): void {
  if (mode === 'remove_background' && format === 'jpeg')
    throw new BridgeError(
      'format_without_alpha',
      'remove_background cannot write JPEG: JPEG has no transparency.',
      {
        hint: 'Save as .png or .webp (or leave save_path and format out for PNG).',
      },
    );
}

/**
 * The default path of an edit: next to the source, with the mode's suffix ("hero.png" → "hero.edited.png"),
 * `tag` for a batch item ("hero.edited-2.png"), and a number added while the name is taken. Never the source.
 */
export function editedPath(
  source: string,
  mode: EditMode,
  format: OutputFormat,
  taken: (candidate: string) => boolean,
  tag = '',
): string {
  const stem = path.basename(source, path.extname(source));
  const base = `${stem}.${EDIT_SUFFIX[mode]}${tag}`;
  const extension = extensionFor(format);
  for (let n = 1; ; n++) {
    const candidate = path.join(path.dirname(source), `${base}${n === 1 ? '' : `-${n}`}${extension}`);
    if (candidate !== source && !taken(candidate)) return candidate;
  }
}

/** How a mask file fits its source: used as it is, scaled (same aspect), or refused. */
export function maskFit(mask: Size, source: Size): 'same' | 'resize' {
  if (mask.width === source.width && mask.height === source.height) return 'same';
  const aspect = (size: Size) => size.width / size.height;
  // Within one pixel's rounding of the larger side: a mask exported at half size of 1023 wide is still that mask.
  const tolerance = 1 / Math.min(Math.max(mask.width, mask.height), Math.max(source.width, source.height));
  if (Math.abs(aspect(mask) / aspect(source) - 1) <= tolerance) return 'resize';
  throw new BridgeError(
    'mask_aspect_mismatch',
    `The mask is ${mask.width}x${mask.height} and the source ${source.width}x${source.height}: another aspect ratio, so it cannot be scaled to fit.`,
    { hint: "Make the mask the source's size (white = change), or pass region instead." },
  );
}
