/**
 * The MCP tools' result shapes (structuredContent and its output schemas), and the types the service builds them
 * from. Like the arguments (tool-args.ts), advertised compactly: tools/list is capped.
 */
import * as z from 'zod';
import { unadvertised } from './advertise.js';
import { imageFormat } from './tool-args.js';

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
  format: z.enum(['avif', 'webp', 'jpeg', 'png', 'ico']),
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
    /** favicon: the `icons` entries for the site's web app manifest. */
    manifest_icons: z.array(z.object({ src: z.string(), sizes: z.string(), type: z.string() })).optional(),
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
