import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/server';
import type * as z from 'zod';
import {
  renderBatchAccepted,
  renderBatchStatus,
  renderCancel,
  renderComfyStatus,
  renderConvertImage,
  renderGenerateImage,
  renderImageList,
} from './results.js';
import {
  batchAcceptedOutput,
  batchGenerateImagesArgs,
  batchStatusOutput,
  cancelBatchArgs,
  cancelResultOutput,
  checkBatchStatusArgs,
  checkComfyuiStatusArgs,
  comfyStatusOutput,
  convertImageArgs,
  convertImageOutput,
  editImageArgs,
  editImageOutput,
  generateImageArgs,
  generateImageOutput,
  imageListOutput,
  listGeneratedImagesArgs,
} from './schemas.js';
import type { BridgeService, ToolContext } from './service.js';

/** One MCP tool: its advertised shape and how a call reaches the service. */
export interface ToolSpec<Args extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  inputSchema: Args;
  outputSchema: z.ZodType;
  annotations: ToolAnnotations;
  /** Whether the call reads or writes paths, so it needs the client's roots before it can run. */
  usesPaths: boolean;
  run(service: BridgeService, args: z.output<Args>, ctx: ToolContext): Promise<CallToolResult>;
}

// Identity helper so each spec's `run` is checked against its own input schema.
function tool<Args extends z.ZodType>(spec: ToolSpec<Args>): ToolSpec<Args> {
  return spec;
}

/*
 * Annotations give the hints a client can act on and leave out the MCP defaults that are also the cautious reading
 * of a missing hint (readOnlyHint: false, idempotentHint: false), and idempotentHint on read-only tools, where the
 * spec ignores it; tools/list stays within its budget and no client is misled by an absence. destructiveHint and
 * openWorldHint are always given: their defaults (true) are wrong here except cancel_batch's destructiveHint, and
 * some clients read destructiveHint even on read-only tools.
 */
const reads: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };

/** Adds files, never replaces one unasked (overwrite: true keeps the old file in the recovery folder). */
const adds: ToolAnnotations = { destructiveHint: false, openWorldHint: false };

/**
 * convert_image as its default behaves: it adds files and keeps the originals (keep_original defaults to
 * true). Only keep_original: false deletes, and the description says so; annotating every call as destructive
 * made Codex ask for approval on each one (and refuse in `codex exec`).
 */
const converts: ToolAnnotations = adds;

export const toolSpecs = [
  tool({
    name: 'generate_image',
    description:
      'Generate and save an image. Past wait_seconds: status "running" and a batch_id; split long waits into check_batch_status calls.',
    inputSchema: generateImageArgs,
    outputSchema: generateImageOutput,
    annotations: adds,
    usesPaths: true,
    run: async (service, args, ctx) =>
      renderGenerateImage(await service.generateImage(args, ctx), { preview: args.preview === true }),
  }),
  tool({
    name: 'edit_image',
    description: 'Edit an image; answers as generate_image.',
    inputSchema: editImageArgs,
    outputSchema: editImageOutput,
    annotations: adds,
    usesPaths: true,
    run: async (service, args, ctx) =>
      renderGenerateImage(await service.editImage(args, ctx), { preview: args.preview === true }),
  }),
  tool({
    name: 'batch_generate_images',
    description: 'Queue 1-100 images; returns a batch_id at once.',
    inputSchema: batchGenerateImagesArgs,
    outputSchema: batchAcceptedOutput,
    annotations: adds,
    usesPaths: true,
    run: async (service, args, ctx) => renderBatchAccepted(await service.batchGenerateImages(args, ctx)),
  }),
  tool({
    name: 'check_batch_status',
    description: "Each item's status, path or error. Long-poll ≤ 45 s per call; call again to wait longer.",
    inputSchema: checkBatchStatusArgs,
    outputSchema: batchStatusOutput,
    annotations: reads,
    usesPaths: false,
    run: async (service, args, ctx) => renderBatchStatus(await service.checkBatchStatus(args, ctx)),
  }),
  tool({
    name: 'cancel_batch',
    description: "Cancel a batch's unfinished items.",
    inputSchema: cancelBatchArgs,
    outputSchema: cancelResultOutput,
    annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
    usesPaths: false,
    run: async (service, args, ctx) => renderCancel(await service.cancelBatch(args, ctx)),
  }),
  tool({
    name: 'list_generated_images',
    description: 'Generated images, newest first.',
    inputSchema: listGeneratedImagesArgs,
    outputSchema: imageListOutput,
    annotations: reads,
    usesPaths: true,
    run: async (service, args, ctx) => renderImageList(await service.listGeneratedImages(args, ctx)),
  }),
  tool({
    name: 'check_comfyui_status',
    description: 'Each ComfyUI: reachable, version, device, queue, default workflow.',
    inputSchema: checkComfyuiStatusArgs,
    outputSchema: comfyStatusOutput,
    annotations: reads,
    usesPaths: false,
    run: async (service, _args, ctx) => renderComfyStatus(await service.checkComfyuiStatus(ctx)),
  }),
  tool({
    name: 'convert_image',
    description:
      'Convert images (WebP default, AVIF, JPEG, PNG) beside the originals; web: also make each web-ready. keep_original: false deletes them.',
    inputSchema: convertImageArgs,
    outputSchema: convertImageOutput,
    annotations: converts,
    usesPaths: true,
    run: async (service, args, ctx) => renderConvertImage(await service.convertImage(args, ctx)),
  }),
];
