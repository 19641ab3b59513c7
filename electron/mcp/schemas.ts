import * as z from 'zod';
import { editModes } from '../../shared/generation.js';
import { convertFormats } from '../images/convert.js';
import { webOptionProblems } from '../web/option-problems.js';
import { unadvertised } from './advertise.js';

/*
 * The agent-facing contract: argument and result shapes of the eight MCP tools. Argument names are part of
 * the public surface (agents and docs use them verbatim); descriptions are kept terse because the whole
 * tools/list payload is capped (see tests/mcp/toolsList.test.ts).
 *
 * Over ~300 lines on purpose: it is declarations only, and the tools share field definitions (image fields,
 * paths, wait) that one file keeps from drifting apart.
 */

export const MAX_PROMPT_CHARS = 4000;
export const MAX_BATCH_ITEMS = 100;
export const MAX_WAIT_SECONDS = 300;
/**
 * Without wait_seconds, check_batch_status answers at once. Every wait a caller gets without asking ends well
 * before 60 s, where LangChain's adapters, mcp-use and mcporter cut any call (generate_image: 45 s, a setting).
 */
export const DEFAULT_STATUS_WAIT_SECONDS = 0;

const imageFormat = z.enum(['png', 'jpeg', 'webp']);
const dimension = z.number().int().min(64).max(4096);
// Empty strings are not refused here: the core's path policy answers them with a better message.
const path = z.string();

// Bare validators; generate_image describes them once, batch items refer back to it.
const imageFields = {
  prompt: z.string().min(1).max(MAX_PROMPT_CHARS).meta(unadvertised('minLength')),
  negative_prompt: z.string().max(MAX_PROMPT_CHARS).meta(unadvertised('maxLength')).optional(),
  save_path: path.optional(),
  width: dimension.optional(),
  height: dimension.optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).meta(unadvertised('maximum')).optional(),
  format: imageFormat.optional(),
  workflow: z.string().max(200).meta(unadvertised('maxLength')).optional(),
  overwrite: z.boolean().optional(),
};

/**
 * Web-ready variants (docs/WEB-ASSETS.md): a purpose name or an object, checked by web/option-problems.ts so a
 * mistake names its field. Advertised as a description only (no anyOf): tools/list is capped.
 */
const web = z
  .unknown()
  .superRefine((value, issues) => {
    for (const message of webOptionProblems(value)) issues.addIssue({ code: 'custom', message });
  })
  .optional();

const waitSeconds = z.number().min(0).max(MAX_WAIT_SECONDS).optional();
// A retried call with the same key gets the first call's batch (see bridge/idempotency.ts); the name says
// enough, and the tools/list budget is tight.
const idempotencyKey = z.string().max(200).meta(unadvertised('maxLength')).optional();
// The project folder (bridge/save-location.ts); described once, on generate_image.
const projectDir = path.optional();

export const generateImageArgs = z.object({
  ...imageFields,
  save_path: imageFields.save_path.describe(
    'Relative to the project. Default: its public/, static/ or assets/, else the output folder',
  ),
  project_dir: projectDir.describe('Absolute; default: the client root'),
  format: imageFields.format.describe('Default: from save_path, else png'),
  workflow: imageFields.workflow.describe('Id: file name without .json'),
  preview: z.boolean().optional().describe('Inline a preview'),
  web: web.describe(
    'Web variants + <picture>: hero|card|thumbnail|avatar|icon|og|background or {purpose,widths,formats,max_bytes,placeholder,base_url}',
  ),
  wait_seconds: waitSeconds.describe('Default 45'),
  idempotency_key: idempotencyKey,
});

/** Modes whose result is described by a prompt; the others (upscale, remove_background) take none. */
export const PROMPTED_EDIT_MODES: readonly string[] = ['restyle', 'inpaint', 'outpaint'];

// Pixel counts: zod enforces 0–4096; a negative count or one past the largest image is no sensible call.
const side = z.number().int().min(0).max(4096).meta(unadvertised('minimum', 'maximum'));
// edit_image's own fields; batch items take them bare, edit_image describes them.
const editFields = {
  image: path,
  mode: z.enum(editModes),
  mask: path.optional(),
  region: z
    .object({ x: side, y: side, width: side.min(1), height: side.min(1) })
    .meta(unadvertised('properties', 'required'))
    .optional(),
  strength: z.number().min(0).max(1).optional(),
  extend: z
    .object({ left: side.optional(), right: side.optional(), top: side.optional(), bottom: side.optional() })
    .meta(unadvertised('properties'))
    .optional(),
  scale: z.literal([2, 4]).optional(),
};
/** A batch item's edit fields past image and mode: enforced in full, advertised on edit_image only. */
const onEditImage = unadvertised('field');

// generate_image advertises the prompt's length and the seed's range; zod enforces them on edits and batch items
// too (schemas of their own: zod shares metadata between wrappers of one schema).
const promptAsOnGenerateImage = z
  .string()
  .min(1)
  .max(MAX_PROMPT_CHARS)
  .meta(unadvertised('minLength', 'maxLength'))
  .optional();
const seedAsOnGenerateImage = z
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .meta(unadvertised('minimum', 'maximum'))
  .optional();

export const editImageArgs = z.object({
  image: editFields.image,
  mode: editFields.mode,
  ...imageFields,
  prompt: promptAsOnGenerateImage.describe('For restyle, inpaint, outpaint'),
  mask: editFields.mask.describe('inpaint: white = change'),
  region: editFields.region.describe('inpaint, for mask: {x, y, width, height}'),
  strength: editFields.strength,
  extend: editFields.extend.describe('outpaint: {left, right, top, bottom}'),
  scale: editFields.scale.describe('upscale'),
  width: imageFields.width.describe('Default: from the source'),
  seed: seedAsOnGenerateImage,
  save_path: imageFields.save_path.describe('Default: beside it, e.g. hero.edited.png'),
  project_dir: projectDir,
  web,
  preview: z.boolean().optional(),
  wait_seconds: waitSeconds,
  idempotency_key: idempotencyKey,
});

// Named so the JSON Schema carries it once under $defs for both items and defaults.
const batchItemArgs = z
  .object({
    ...imageFields,
    prompt: promptAsOnGenerateImage,
    seed: seedAsOnGenerateImage,
    ...editFields,
    image: editFields.image.optional(),
    // The modes are listed on edit_image.
    mode: editFields.mode.optional().meta(unadvertised('enum')),
    mask: editFields.mask.meta(onEditImage),
    strength: editFields.strength.meta(onEditImage),
    region: editFields.region.meta(onEditImage),
    extend: editFields.extend.meta(onEditImage),
    scale: editFields.scale.meta(onEditImage),
    web,
  })
  .meta({ id: 'item' });

export const batchGenerateImagesArgs = z
  .object({
    items: z.array(batchItemArgs).min(1).max(MAX_BATCH_ITEMS).describe('generate_image or edit_image fields'),
    defaults: batchItemArgs.optional().describe('Fields items omit'),
    project_dir: projectDir,
    idempotency_key: idempotencyKey,
  })
  .superRefine((args, issues) => {
    if (args.defaults?.prompt !== undefined) return;
    args.items.forEach((item, index) => {
      const mode = item.mode ?? args.defaults?.mode;
      if (item.prompt === undefined && (mode === undefined || PROMPTED_EDIT_MODES.includes(mode)))
        issues.addIssue({
          code: 'custom',
          path: ['items', index, 'prompt'],
          message: 'prompt is required (in the item or in defaults)',
        });
    });
  });

const batchId = z.string().max(200).meta(unadvertised('maxLength'));

export const checkBatchStatusArgs = z.object({
  batch_id: batchId,
  wait_seconds: waitSeconds.describe('Default 0'),
});

export const cancelBatchArgs = z.object({ batch_id: batchId });

export const listGeneratedImagesArgs = z.object({
  directory: path.optional().describe('A folder instead of the gallery'),
  query: z.string().max(500).meta(unadvertised('maxLength')).optional().describe('Filter by prompt text'),
  limit: z.number().int().min(1).max(200).optional(),
  cursor: z.string().max(500).meta(unadvertised('maxLength')).optional().describe('A previous next_cursor'),
  project_dir: projectDir,
});

export const checkComfyuiStatusArgs = z.object({});

export const MAX_CONVERT_PATHS = 100;

export const convertImageArgs = z
  .object({
    paths: z.array(path).min(1).max(MAX_CONVERT_PATHS).optional(),
    directory: path.optional().describe('Instead of paths'),
    recursive: z.boolean().optional(),
    format: z.enum(convertFormats).optional().describe('Default webp'),
    quality: z.number().int().min(1).max(100).optional(),
    keep_original: z.boolean().optional().describe('Default true; false deletes the source'),
    // The "already exists" refusal tells the agent to pass this.
    overwrite: z.boolean().optional(),
    project_dir: projectDir,
    web: web.describe('As on generate_image'),
  })
  .refine((args) => (args.paths === undefined) !== (args.directory === undefined), {
    message: 'Give either paths or directory, not both and not neither',
  });

// ---- results ----

/** A per-item failure inside an otherwise successful result. */
export const itemErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
});

/** A failed call: thrown BridgeErrors become `{ error: ToolError }`; `details` keeps e.g. ComfyUI's node_errors. */
export const toolErrorSchema = itemErrorSchema.extend({ details: z.unknown().optional() });

const webVariantSchema = z.object({
  path: z.string(),
  /** Relative to the project's web root (or from base_url): what the html uses. */
  url: z.string(),
  format: z.enum(['avif', 'webp', 'jpeg', 'png']),
  width: z.number(),
  height: z.number(),
  bytes: z.number(),
  budget: z.object({
    max_bytes: z.number(),
    met: z.boolean(),
    quality: z.number(),
    ssim: z.number().optional(),
    shrunk_from: z.object({ width: z.number(), height: z.number() }).optional(),
  }),
  replaced_file_kept_at: z.string().optional(),
});

/**
 * An image's web variants (bridge/web-jobs.ts): `pending` while they are made after the file (check_batch_status
 * with `batch_id` reports them), `done` with the asset, or `failed`. Advertised as a bare name: the README and the
 * values say the rest, and tools/list is capped.
 */
export const webResultSchema = z
  .object({
    status: z.enum(['pending', 'done', 'failed']),
    batch_id: z.string().optional(),
    purpose: z.string().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    variants: z.array(webVariantSchema).optional(),
    placeholder: z.object({ thumbhash: z.string(), data_url: z.string() }).optional(),
    dominant_color: z.string().optional(),
    alt: z.string().optional(),
    html: z.string().optional(),
    web_root: z.string().optional(),
    error: itemErrorSchema.optional(),
  })
  .meta(unadvertised('properties'));

export const generatedImageSchema = z.object({
  path: z.string(),
  width: z.number(),
  height: z.number(),
  format: imageFormat,
  seed: z.number(),
  bytes: z.number(),
  workflow: z.string(),
  backend: z.string(),
  saved_to_reason: z.string().optional(),
  web: webResultSchema.optional(),
});

// A failed generation is an isError result carrying `{ error }` (renderDomainError), as for every tool.
export const generateImageOutput = z.object({
  status: z.enum(['completed', 'running']),
  batch_id: z.string(),
  images: z.array(generatedImageSchema),
});

/**
 * An edit's image: the source it came from and, for remove_background, the transparency of the written file. The
 * fields it shares with generate_image's are left out of the advertised schema (the tool's description says it
 * answers as generate_image does); the result carries them all the same.
 */
const asOnGenerateImage = unadvertised('field');
function advertisedOnGenerateImage<Shape extends Record<string, z.ZodType>>(shape: Shape): Shape {
  return Object.fromEntries(
    Object.entries(shape).map(([name, schema]) => [name, schema.meta(asOnGenerateImage)]),
  ) as Shape;
}
const { path: _path, ...sharedImageFields } = generatedImageSchema.shape;
export const editedImageSchema = z.object({
  path: z.string(),
  ...advertisedOnGenerateImage(sharedImageFields),
  source: z.string(),
  has_alpha: z.boolean().optional(),
  transparent_fraction: z.number().optional(),
});

export const editImageOutput = generateImageOutput.extend({ images: z.array(editedImageSchema) });

export const batchAcceptedOutput = z.object({ batch_id: z.string(), total: z.number() });

export const batchItemStatusSchema = z.object({
  index: z.number(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']),
  path: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  seed: z.number().optional(),
  bytes: z.number().optional(),
  saved_to_reason: z.string().optional(),
  web: webResultSchema.optional(),
  error: itemErrorSchema.optional(),
});

export const batchStatusOutput = z.object({
  batch_id: z.string(),
  done: z.boolean(),
  total: z.number(),
  completed: z.number(),
  pending: z.number(),
  running: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  items: z.array(batchItemStatusSchema),
});

export const cancelResultOutput = z.object({
  batch_id: z.string(),
  cancelled: z.number(),
  already_finished: z.number(),
});

export const listedImageSchema = z.object({
  path: z.string(),
  bytes: z.number(),
  width: z.number().optional(),
  height: z.number().optional(),
  created_at: z.string(),
  prompt: z.string().optional(),
  seed: z.number().optional(),
});

export const imageListOutput = z.object({
  images: z.array(listedImageSchema),
  next_cursor: z.string().optional(),
});

export const backendStatusSchema = z.object({
  url: z.string(),
  reachable: z.boolean(),
  version: z.string().optional(),
  device: z.string().optional(),
  /** ComfyUI's device type: cuda, cpu, mps…; the memory below is VRAM except on cpu (RAM) and mps (unified). */
  device_type: z.string().optional(),
  memory_total_bytes: z.number().optional(),
  memory_free_bytes: z.number().optional(),
  queue_length: z.number().optional(),
  default_workflow: z
    .object({
      id: z.string(),
      can_run: z.boolean(),
      missing_node_types: z.array(z.string()),
      missing_models: z.array(z.string()),
    })
    .optional(),
  error: z.string().optional(),
});

export const comfyStatusOutput = z.object({
  backends: z.array(backendStatusSchema),
  no_default_workflow: z.string().optional(),
});

/** A converted image; with `web`, its web asset (electron/web/make-web-asset.ts, described in the docs). */
export const convertedImageSchema = z.object({
  path: z.string(),
  output_path: z.string().optional(),
  bytes_before: z.number().optional(),
  bytes_after: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  original_kept: z.boolean().optional(),
  web: z.unknown().optional(),
  error: itemErrorSchema.optional(),
});

export const convertImageOutput = z.object({
  converted: z.number(),
  failed: z.number(),
  results: z.array(convertedImageSchema),
});

export type GenerateImageArgs = z.infer<typeof generateImageArgs>;
export type EditImageArgs = z.infer<typeof editImageArgs>;
export type BatchGenerateImagesArgs = z.infer<typeof batchGenerateImagesArgs>;
export type CheckBatchStatusArgs = z.infer<typeof checkBatchStatusArgs>;
export type CancelBatchArgs = z.infer<typeof cancelBatchArgs>;
export type ListGeneratedImagesArgs = z.infer<typeof listGeneratedImagesArgs>;
export type ConvertImageArgs = z.infer<typeof convertImageArgs>;

export type ToolError = z.infer<typeof toolErrorSchema>;
export type WebResult = z.infer<typeof webResultSchema>;
/** The service may attach a small WebP preview; it is inlined only when the call asked for `preview`. */
export type GeneratedImage = z.infer<typeof generatedImageSchema> &
  Partial<Omit<z.infer<typeof editedImageSchema>, keyof z.infer<typeof generatedImageSchema>>> & {
    previewWebp?: Buffer;
  };
/**
 * `waiting` says why a running image has not started ("no ComfyUI reachable at …"); it goes into the text only,
 * not the output schema, which would push tools/list past its size budget.
 */
export type GenerateImageResult = Omit<z.infer<typeof generateImageOutput>, 'images'> & {
  images: GeneratedImage[];
  waiting?: string;
};
export type BatchAccepted = z.infer<typeof batchAcceptedOutput>;
export type BatchStatus = z.infer<typeof batchStatusOutput>;
export type CancelResult = z.infer<typeof cancelResultOutput>;
export type ImageList = z.infer<typeof imageListOutput>;
export type ComfyStatus = z.infer<typeof comfyStatusOutput>;
export type ConvertImageResult = z.infer<typeof convertImageOutput>;
