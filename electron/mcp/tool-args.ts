/**
 * The agent-facing arguments of the MCP tools: their names are part of the public surface (agents and docs use
 * them verbatim); descriptions are kept terse because the whole tools/list payload is capped (see
 * tests/mcp/toolsList.test.ts). The tools share field definitions (image fields, paths, wait, web) that this one
 * file keeps from drifting apart. Results are in tool-results.ts.
 */
import * as z from 'zod';
import { editModes } from '../../shared/generation.js';
import { convertFormats } from '../images/convert.js';
import { webOptionProblems } from '../web/option-problems.js';
import { unadvertised } from './advertise.js';

export const MAX_PROMPT_CHARS = 4000;
export const MAX_BATCH_ITEMS = 100;
export const MAX_WAIT_SECONDS = 300;
/**
 * Without wait_seconds, check_batch_status answers at once. Every wait a caller gets without asking ends well
 * before 60 s, where LangChain's adapters, mcp-use and mcporter cut any call (generate_image: 45 s, a setting).
 */
export const DEFAULT_STATUS_WAIT_SECONDS = 0;

/** Shared with the results (tool-results.ts), which report the format written. */
export const imageFormat = z.enum(['png', 'jpeg', 'webp']);
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
    'Web variants + <picture>: hero|card|thumbnail|avatar|icon|og|background|favicon or {purpose,widths,formats,max_bytes,placeholder,base_url}',
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

export type GenerateImageArgs = z.infer<typeof generateImageArgs>;
export type EditImageArgs = z.infer<typeof editImageArgs>;
export type BatchGenerateImagesArgs = z.infer<typeof batchGenerateImagesArgs>;
export type CheckBatchStatusArgs = z.infer<typeof checkBatchStatusArgs>;
export type CancelBatchArgs = z.infer<typeof cancelBatchArgs>;
export type ListGeneratedImagesArgs = z.infer<typeof listGeneratedImagesArgs>;
export type ConvertImageArgs = z.infer<typeof convertImageArgs>;
