import { z } from 'zod';
import { WORKFLOW_MODES } from './modes.js';

const sizeSchema = z.strictObject({ width: z.int().min(1), height: z.int().min(1) });

const sizeRulesSchema = z
  .strictObject({
    multiple: z.int().min(1).max(256),
    minSide: z.int().min(1),
    maxSide: z.int().min(1).max(16384),
    native: sizeSchema.optional(),
  })
  .refine((rules) => rules.minSide <= rules.maxSide, { message: 'minSide must not exceed maxSide' });

const modelFileSchema = z.strictObject({
  /** The file name as ComfyUI lists it (what the loader node's input holds). */
  file: z.string().min(1),
  /** ComfyUI's models sub-folder it goes in: checkpoints, diffusion_models, text_encoders, vae, loras, … */
  folder: z.string().min(1),
  /** Where to download it, for the "model missing" message and the dashboard's download. */
  url: z.url().optional(),
  /** Its exact size, checked after a download; only where the real figure is known. */
  bytes: z.int().min(1).optional(),
  /** Its SHA-256 (hex), checked after a download; only where the real sum is known, never a guess. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits')
    .optional(),
  /** Roughly how large it is, in GB, for the dashboard's offer when the exact size is not recorded. */
  approxGb: z.number().positive().optional(),
});

/**
 * A custom node pack the graph's nodes come from: /object_info lacking one of `nodes` means the pack is not
 * installed, and the message says which pack and how to install it rather than only naming a node type.
 */
const nodePackSchema = z.strictObject({
  /** As ComfyUI-Manager and the Comfy registry list it ("ComfyUI-RMBG"). */
  name: z.string().min(1),
  /** Its repository. */
  url: z.url(),
  /** How to install it, as one sentence ("ComfyUI-Manager: search … and install; then restart ComfyUI"). */
  install: z.string().min(1),
  /** The node types of this pack that the graph uses. */
  nodes: z.array(z.string().min(1)).min(1),
  /**
   * Model files the pack needs outside ComfyUI's loader lists (most packs download them on first use):
   * `folder` is where the pack keeps them, e.g. "RMBG/BiRefNet" under ComfyUI's models/.
   */
  models: z.array(modelFileSchema).default([]),
});

/** What the model needs from ComfyUI beyond the graph's own nodes and files. */
const requiresSchema = z.strictObject({
  /** The first ComfyUI release that supports the model ("0.3.75"); older ones may accept the graph and fail at load. */
  comfyui: z
    .string()
    .regex(/^\d+(\.\d+)*$/, 'a version such as 0.3.75')
    .optional(),
  /** Node types the model needs. */
  nodes: z.array(z.string().min(1)).default([]),
  /** Choice values the model needs, e.g. { node: "CLIPLoader", input: "type", value: "lumina2" }. */
  options: z
    .array(z.strictObject({ node: z.string().min(1), input: z.string().min(1), value: z.string() }))
    .default([]),
  /** Custom node packs the graph's nodes come from. */
  packs: z.array(nodePackSchema).default([]),
});

/** The sidecar `<id>.meta.json` next to a workflow; the graph file itself stays pure API format. */
export const workflowMetaSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().default(''),
  /** Model family, e.g. sd15, sdxl, flux; informational. */
  family: z.string().min(1),
  /** What the workflow does (generate, or edit_image's modes); absent: inferred from the graph (modes.ts). */
  modes: z.array(z.enum(WORKFLOW_MODES)).min(1).optional(),
  models: z.array(modelFileSchema).default([]),
  /** Inferred from the graph's latent node when absent. */
  size: sizeRulesSchema.optional(),
  /** Position in the smart-default order (1 first); absent means never chosen automatically. */
  defaultRank: z.int().min(1).optional(),
  /** The seed input takes values below this (e.g. a colour); the requested seed is reduced modulo it. */
  seedModulus: z.int().min(2).optional(),
  requires: requiresSchema.optional(),
  /** The model's licence, shown before the dashboard downloads it. */
  license: z.strictObject({ name: z.string().min(1), url: z.url() }).optional(),
  /**
   * For the dashboard's model offer: the video memory (GB) the model needs to run well, and its place from the
   * fastest (1) among the bundled models; both absent: never offered for download.
   */
  offer: z.strictObject({ minVramGb: z.number().positive(), speedRank: z.int().min(1) }).optional(),
  /** Values for placeholders a request may leave out ({{steps}}, {{cfg}}, {{denoise}}). */
  defaults: z
    .strictObject({ steps: z.int().min(1), cfg: z.number().min(0), denoise: z.number().min(0).max(1) })
    .partial()
    .default({}),
});

export type WorkflowMeta = z.infer<typeof workflowMetaSchema>;
export type ModelFile = z.infer<typeof modelFileSchema>;
export type NodePack = z.infer<typeof nodePackSchema>;

/** Parses a sidecar's JSON; throws an Error whose message names the file and each bad field. */
export function parseWorkflowMeta(json: unknown, source: string): WorkflowMeta {
  const result = workflowMetaSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new Error(`${source} is not a valid workflow sidecar: ${problems.join('; ')}`);
}
