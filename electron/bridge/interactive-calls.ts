/**
 * generate_image and edit_image: one image for an agent that waits, with progress and heartbeats while it waits,
 * answered with the file (and an inline preview on request), its failure with advice, or `running` and the id.
 */
import { BridgeError } from '../errors.js';
import { readFileWithin } from '../images/checked-read.js';
import { PathPolicyError, type PathPolicy } from '../images/path-policy.js';
import type { JobSpec } from '../jobs/types.js';
import type { GenerateImageResult, GeneratedImage } from '../mcp/schemas.js';
import type { BridgeService, ToolContext } from '../mcp/service.js';
import { definedOnly } from '../objects.js';
import { idempotencyOf, placementFor, policyFor, type Placement } from './call-scope.js';
import { editSpec, generateSpec } from './job-specs.js';
import { phaseOfRun, ProgressReporter, type GenerationPhase } from './progress.js';
import type { ServiceDeps } from './service-deps.js';
import { webResultOf } from './status.js';
import { waitAnswerable } from './wait-answerable.js';

/** The fields every waiting call has besides what its image is. */
interface InteractiveArgs {
  preview?: boolean | undefined;
  wait_seconds?: number | undefined;
  idempotency_key?: string | undefined;
  project_dir?: string | undefined;
}

export function interactiveCalls(deps: ServiceDeps): Pick<BridgeService, 'generateImage' | 'editImage'> {
  return {
    generateImage(args, ctx) {
      return runInteractive(deps, 'generate_image', args, ctx, (fields, placement, policy) =>
        generateSpec(deps, fields, placement, policy),
      );
    },

    editImage(args, ctx) {
      return runInteractive(deps, 'edit_image', args, ctx, (fields, placement, policy) =>
        editSpec(deps, fields, placement, policy),
      );
    },
  };
}

/**
 * One image for an agent that waits: submitted as an interactive batch of one (or the batch its idempotency key
 * already names), with progress while it waits, answered with the file, its failure, or `running` and the id.
 */
async function runInteractive<Args extends InteractiveArgs>(
  deps: ServiceDeps,
  tool: string,
  args: Args,
  ctx: ToolContext,
  buildSpec: (
    fields: Omit<Args, keyof InteractiveArgs>,
    placement: Placement,
    policy: PathPolicy,
  ) => Promise<JobSpec>,
): Promise<GenerateImageResult> {
  const { scheduler, pool, settings } = deps;
  const idempotency = idempotencyOf(tool, args, ctx);
  // A retry with the key gets the first call's batch back, before its paths are checked again: the first
  // call may have written the file by now.
  const batch = await deps.submissions.submit(idempotency, async () => {
    const {
      idempotency_key: _key,
      project_dir: projectDir,
      preview: _preview,
      wait_seconds: _wait,
      ...fields
    } = args;
    const policy = policyFor(deps, ctx);
    const placement = await placementFor(deps, projectDir, ctx, policy);
    return scheduler.submit([await buildSpec(fields, placement, policy)], 'interactive', idempotency);
  });
  const job = batch.jobs[0]!;
  const reporter = new ProgressReporter(
    (update) => ctx.progress(update),
    deps.heartbeatMs,
    () => pool.unreachableReason(),
  );
  // Where the job is now: it may have been dispatched, even started, before these listeners were added.
  const current = (): GenerationPhase =>
    job.state === 'running'
      ? phaseOfRun(scheduler.phaseOf(job.id))
      : { kind: 'queued', position: scheduler.queuePosition(job.id) ?? 0 };
  const onProgress = (event: { jobId: string; value: number; max: number }) => {
    if (event.jobId === job.id) reporter.update({ kind: 'sampling', value: event.value, max: event.max });
  };
  const onPhase = (event: { jobId: string }) => {
    if (event.jobId === job.id) reporter.update(current());
  };
  const onJob = (changed: { id: string; state: string }) => {
    if (changed.id === job.id && (changed.state === 'running' || changed.state === 'pending'))
      reporter.update(current());
  };
  scheduler.on('progress', onProgress);
  scheduler.on('phase', onPhase);
  scheduler.on('job', onJob);
  reporter.update(current());
  const onAbort = () => void scheduler.cancel(batch.id);
  // With its own key the agent said it may come back for this batch: a cancelled call (most clients cancel
  // when their own time-out fires) leaves the work running; cancel_batch stops it. (The stdio shim's internal
  // key does not count: a cancel through the shim is the agent's.)
  if (args.idempotency_key === undefined) ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const waitSeconds = args.wait_seconds ?? settings.get().defaultWaitSeconds;
    await waitAnswerable(scheduler, batch.id, waitSeconds * 1000, ctx);
  } finally {
    reporter.stop();
    scheduler.off('progress', onProgress);
    scheduler.off('phase', onPhase);
    scheduler.off('job', onJob);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  if (job.state === 'completed') {
    return {
      status: 'completed',
      batch_id: batch.id,
      images: await finishedImages(deps, batch.id, args.preview ?? false),
    };
  }
  if (job.state === 'failed' || job.state === 'cancelled') {
    const error = job.error ?? { code: job.state, message: `the image ${job.state}` };
    throw new BridgeError(error.code, error.message, {
      details: { batch_id: batch.id, ...(error.details !== undefined ? { comfyui: error.details } : {}) },
      ...hintFor(error.code),
    });
  }
  const waiting = job.state === 'pending' ? pool.unreachableReason() : undefined;
  return { status: 'running', batch_id: batch.id, images: [], ...(waiting ? { waiting } : {}) };
}

async function finishedImages(
  deps: ServiceDeps,
  batchId: string,
  withPreview: boolean,
): Promise<GeneratedImage[]> {
  const batch = deps.scheduler.get(batchId)!;
  return Promise.all(
    batch.jobs
      .filter((job) => job.result)
      .map(async (job) => {
        const { source, hasAlpha, transparentFraction, ...result } = job.result!;
        return {
          ...result,
          ...(job.spec.savedToReason === undefined ? {} : { saved_to_reason: job.spec.savedToReason }),
          ...definedOnly({ source, has_alpha: hasAlpha, transparent_fraction: transparentFraction }),
          ...definedOnly({ web: webResultOf(job, batchId) }),
          ...(withPreview ? await previewOf(deps, job.result!.path, job.spec.allowedRoots) : {}),
        };
      }),
  );
}

/** The inline preview, read from the written file through its checked folder; none if that folder moved. */
async function previewOf(
  deps: ServiceDeps,
  path: string,
  allowedRoots: readonly string[],
): Promise<{ previewWebp?: Buffer }> {
  try {
    return { previewWebp: await deps.makePreview(await readFileWithin(path, allowedRoots)) };
  } catch (error) {
    if (!(error instanceof PathPolicyError)) throw error;
    deps.logger.warn('no preview: the image was moved or its folder changed', { path, reason: error.reason });
    return {};
  }
}

function hintFor(code: string): { hint?: string } {
  switch (code) {
    case 'execution_error':
      return {
        hint: 'See details.comfyui for the failing node and check its inputs; the traceback is in the bridge log and the ComfyUI console.',
      };
    case 'comfyui_rejected':
      return {
        hint: 'ComfyUI refused the workflow; details.comfyui holds its node_errors (often a missing model file).',
      };
    case 'backend_lost':
    case 'timeout':
      return { hint: 'Check that ComfyUI is running (check_comfyui_status), then try again.' };
    default:
      return {};
  }
}
