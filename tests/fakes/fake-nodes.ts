/**
 * What the fake's nodes compute. Values are descriptions, not tensors: an IMAGE knows its size, batch and one
 * RGB colour; a LATENT knows its size and the seed and text that produced it, so a decoded image's colour follows
 * the seed and the prompt and different prompts give different images.
 */
export interface FakeValue {
  type: string;
  width?: number;
  height?: number;
  batch?: number;
  /** 0xRRGGBB */
  color?: number;
  seed?: number;
  text?: string;
  steps?: number;
  /** An IMAGE with an alpha channel (JoinImageWithAlpha): saved as RGBA, its left half transparent. */
  alpha?: boolean;
}

export type NodeInputs = Record<string, unknown>;

const samplers = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced']);
const emptyLatents = new Set([
  'EmptyLatentImage',
  'EmptySD3LatentImage',
  'EmptyHunyuanImageLatent',
  'EmptyHunyuanLatentImage',
  'EmptyChromaRadianceLatentImage',
]);

/** Number of progress steps a node reports, or undefined for nodes without a progress bar. */
export function progressSteps(classType: string, inputs: NodeInputs): number | undefined {
  if (classType === 'SlowProgress') return num(inputs.steps, 1);
  if (!samplers.has(classType)) return undefined;
  if (typeof inputs.steps === 'number') return inputs.steps;
  const sigmas = inputs.sigmas as FakeValue | undefined;
  return sigmas?.steps ?? 20;
}

export function isSampler(classType: string): boolean {
  return samplers.has(classType);
}

/** Output values of a non-output node, one per output slot. */
export function computeOutputs(classType: string, outputTypes: string[], inputs: NodeInputs): FakeValue[] {
  const merged = mergeLinked(inputs);
  const image = inputs.image as FakeValue | undefined;
  switch (classType) {
    case 'EmptyImage':
      return [
        {
          type: 'IMAGE',
          width: num(inputs.width, 512),
          height: num(inputs.height, 512),
          batch: num(inputs.batch_size, 1),
          color: num(inputs.color, 0),
        },
      ];
    case 'SlowProgress': {
      // Only a non-zero nonce or a label tints the image, so plain pass-through runs look like ComfyUI's.
      const nonce = num(inputs.nonce, 0);
      const label = typeof inputs.label === 'string' ? inputs.label : '';
      const tinted = nonce !== 0 || label !== '';
      return [
        { ...image, type: 'IMAGE', ...(tinted && { color: colourOf(`${image?.color}|${nonce}|${label}`) }) },
      ];
    }
    case 'ImageInvert':
      return [{ ...image, type: 'IMAGE', color: 0xffffff ^ (image?.color ?? 0) }];
    case 'ImageScale':
      return [{ ...image, type: 'IMAGE', width: num(inputs.width, 512), height: num(inputs.height, 512) }];
    case 'ImageScaleBy': {
      const by = num(inputs.scale_by, 1);
      return [{ ...image, type: 'IMAGE', width: scale(image?.width, by), height: scale(image?.height, by) }];
    }
    case 'ImageRotate': {
      const quarter = inputs.rotation === '90 degrees' || inputs.rotation === '270 degrees';
      return [{ ...image, type: 'IMAGE', ...(quarter && { width: image?.height, height: image?.width }) }];
    }
    case 'ImagePadForOutpaint': {
      // The grown canvas and a MASK of the same size (1 in the added border; captures/upload-graphs.json).
      const width = (image?.width ?? 512) + num(inputs.left, 0) + num(inputs.right, 0);
      const height = (image?.height ?? 512) + num(inputs.top, 0) + num(inputs.bottom, 0);
      return [
        { ...image, type: 'IMAGE', width, height },
        { type: 'MASK', width, height, batch: image?.batch ?? 1 },
      ];
    }
    case 'JoinImageWithAlpha':
      return [{ ...image, type: 'IMAGE', alpha: true }];
    case 'GetImageSize':
      return [
        { type: 'INT', width: image?.width },
        { type: 'INT', height: image?.height },
        { type: 'INT', batch: image?.batch },
      ];
    case 'VAEDecode':
    case 'VAEDecodeTiled': {
      const latent = inputs.samples as FakeValue | undefined;
      return [
        {
          type: 'IMAGE',
          width: latent?.width ?? 512,
          height: latent?.height ?? 512,
          batch: latent?.batch ?? 1,
          color: colourOf(`${latent?.seed ?? 0}|${latent?.text ?? ''}`),
        },
      ];
    }
  }
  if (emptyLatents.has(classType)) {
    return [
      {
        type: 'LATENT',
        width: num(inputs.width, 1024),
        height: num(inputs.height, 1024),
        batch: num(inputs.batch_size, 1),
      },
    ];
  }
  // Everything else passes on what flows into it, plus its own seed, text and step count.
  const own: Partial<FakeValue> = {};
  for (const key of ['seed', 'noise_seed'] as const)
    if (typeof inputs[key] === 'number') own.seed = inputs[key];
  if (typeof inputs.text === 'string') own.text = inputs.text;
  if (typeof inputs.steps === 'number') own.steps = inputs.steps;
  return outputTypes.map((type) => ({ ...merged, ...own, type }));
}

/** Size, batch and seed from the first linked input that has them; texts joined in input order. */
function mergeLinked(inputs: NodeInputs): Partial<FakeValue> {
  const merged: Partial<FakeValue> = {};
  const texts: string[] = [];
  for (const value of Object.values(inputs)) {
    if (!isFakeValue(value)) continue;
    merged.width ??= value.width;
    merged.height ??= value.height;
    merged.batch ??= value.batch;
    merged.seed ??= value.seed;
    merged.steps ??= value.steps;
    merged.color ??= value.color;
    if (value.text) texts.push(value.text);
  }
  if (texts.length > 0) merged.text = texts.join('|');
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
}

export function isFakeValue(value: unknown): value is FakeValue {
  return typeof value === 'object' && value !== null && typeof (value as FakeValue).type === 'string';
}

/** A stable, well-spread 24-bit colour for any string (FNV-1a). */
export function colourOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 8;
}

/** A finite number input, else `fallback`. */
export function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function scale(size: number | undefined, by: number): number {
  return Math.max(1, Math.round((size ?? 512) * by));
}
