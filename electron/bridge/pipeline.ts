import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GenerationRecord } from '../../shared/generation.js';
import { BridgeError } from '../errors.js';
import { allowedFolderOf, type Gallery } from '../gallery/index.js';
import { AtomicWriteError, writeFileAtomic } from '../images/atomic-write.js';
import { createPathPolicy, PathPolicyError } from '../images/path-policy.js';
import { ImageTooLargeError } from '../images/pixel-limit.js';
import { renderImage } from '../images/render.js';
import type { PreparedPrompt } from '../jobs/scheduler.js';
import type { JobRecord, JobResult } from '../jobs/types.js';
import type { WorkflowCatalog } from './catalog.js';

/** Binds a job's workflow to its parameters; the scheduler calls this when it dispatches. */
export function prepareJob(catalog: WorkflowCatalog, job: JobRecord['spec']): PreparedPrompt {
  return catalog.prepare(job.workflow, {
    prompt: job.prompt,
    negativePrompt: job.negativePrompt,
    width: job.width,
    height: job.height,
    seed: job.seed,
  });
}

/**
 * Turns ComfyUI's image into the file the agent asked for: exact size and format, metadata embedded, the
 * save path checked once more, written atomically (a replaced file kept for recovery), and recorded.
 */
export async function deliverJob(
  deps: { gallery: Gallery; recoveryDir: string; maxInputPixels: number },
  job: JobRecord,
  batchId: string,
  image: Buffer,
  backend: string,
): Promise<JobResult> {
  const { spec } = job;
  let savePath: string;
  try {
    savePath = await createPathPolicy({ allowedRoots: spec.allowedRoots }).resolveSavePath(spec.savePath, {
      defaultDir: dirname(spec.savePath),
    });
  } catch (error) {
    if (error instanceof PathPolicyError) throw refusal(error);
    throw error;
  }
  let rendered;
  try {
    rendered = await renderImage(image, {
      width: spec.width,
      height: spec.height,
      format: spec.format,
      metadata: embeddedMetadata(spec, backend),
      maxInputPixels: deps.maxInputPixels,
    });
  } catch (error) {
    if (error instanceof ImageTooLargeError)
      throw new BridgeError(
        error.code,
        `ComfyUI at ${backend} returned an image too large to process (check the workflow's output size): ${error.message}`,
      );
    // sharp's own words ("Input buffer contains unsupported image format") do not say whose bytes were bad.
    throw new BridgeError(
      'unreadable_image',
      `The image ComfyUI at ${backend} returned could not be processed (${error instanceof Error ? error.message : String(error)}). ` +
        "Check the workflow's output node and the ComfyUI console; a proxy in front of ComfyUI can also garble /view.",
    );
  }
  let written;
  try {
    written = await writeFileAtomic(savePath, rendered.bytes, {
      allowedRoots: spec.allowedRoots,
      overwrite: spec.overwrite,
      recoveryDir: deps.recoveryDir,
    });
  } catch (error) {
    if (error instanceof AtomicWriteError)
      throw new BridgeError(`write_${error.reason.replaceAll('-', '_')}`, error.message);
    if (error instanceof PathPolicyError) throw refusal(error);
    throw error;
  }
  const allowedFolder = allowedFolderOf(written.path, spec.allowedRoots);
  const record: GenerationRecord = {
    id: job.id,
    path: written.path,
    prompt: spec.prompt,
    ...(spec.negativePrompt ? { negativePrompt: spec.negativePrompt } : {}),
    seed: spec.seed,
    width: rendered.width,
    height: rendered.height,
    format: rendered.format,
    bytes: written.bytes,
    workflow: spec.workflow,
    backend,
    batchId,
    createdAt: new Date().toISOString(),
    file: written.identity,
    ...(allowedFolder ? { allowedFolder } : {}),
  };
  deps.gallery.add(record);
  return resultOf(record);
}

/** A save path refused at write time; one that moved during the write is told apart, since a retry may work. */
function refusal(error: PathPolicyError): BridgeError {
  return new BridgeError(error.reason === 'changed' ? 'path_changed' : 'path_refused', error.message);
}

/** A job whose file was written and recorded before a restart: its result, if the file is still there. */
export function findDeliveredJob(gallery: Gallery, job: JobRecord): JobResult | undefined {
  const record = gallery.get(job.id);
  if (!record) return undefined;
  try {
    if (!statSync(record.path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return resultOf(record);
}

export function recoveryDirOf(dataDir: string): string {
  return join(dataDir, 'replaced');
}

function resultOf(record: GenerationRecord): JobResult {
  return {
    path: record.path,
    width: record.width,
    height: record.height,
    format: record.format,
    bytes: record.bytes,
    seed: record.seed,
    workflow: record.workflow,
    backend: record.backend,
  };
}

/** The prompt and settings, in the "parameters" form other image tools read, plus plain keys. */
/**
 * The bridge's text chunks (PNG) or XMP properties (JPEG, WebP). ComfyUI's own PNG chunks are "prompt" (its API
 * graph as JSON) and "workflow" (its UI graph); the bridge never writes those keys, so every reader finds one
 * meaning per key: "parameters" (the A1111-style summary many tools show) and "bridge-*" for the parts.
 */
export function embeddedMetadata(spec: JobRecord['spec'], backend: string): Record<string, string> {
  const parameters = [
    spec.prompt,
    ...(spec.negativePrompt ? [`Negative prompt: ${spec.negativePrompt}`] : []),
    `Seed: ${spec.seed}, Size: ${spec.width}x${spec.height}, Workflow: ${spec.workflow}`,
  ].join('\n');
  return {
    parameters,
    'bridge-prompt': spec.prompt,
    ...(spec.negativePrompt ? { 'bridge-negative-prompt': spec.negativePrompt } : {}),
    'bridge-seed': String(spec.seed),
    'bridge-workflow': spec.workflow,
    'bridge-generator': `comfyui-mcp-bridge via ComfyUI at ${backend}`,
  };
}
