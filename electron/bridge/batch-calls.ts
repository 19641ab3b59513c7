/**
 * batch_generate_images, check_batch_status and cancel_batch: a batch queued at once and answered with its id,
 * long-polled with progress, and cancelled by id.
 */
import { BridgeError } from '../errors.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { BatchIdempotency, BatchRecord, JobSpec } from '../jobs/types.js';
import { DEFAULT_STATUS_WAIT_SECONDS, type BatchGenerateImagesArgs } from '../mcp/schemas.js';
import type { BridgeService, ToolContext } from '../mcp/service.js';
import { definedOnly } from '../objects.js';
import { watchBatchProgress } from './batch-progress.js';
import { idempotencyOf, placementFor, policyFor } from './call-scope.js';
import { editSpec, generateSpec } from './job-specs.js';
import type { ServiceDeps } from './service-deps.js';
import { toBatchStatus } from './status.js';
import { waitAnswerable } from './wait-answerable.js';

/** A batch item's fields that only an edit (an item with image and mode) takes. */
const editOnlyFields = ['mask', 'region', 'strength', 'extend', 'scale'] as const;

export function batchCalls(
  deps: ServiceDeps,
): Pick<BridgeService, 'batchGenerateImages' | 'checkBatchStatus' | 'cancelBatch'> {
  const { scheduler } = deps;
  return {
    async batchGenerateImages(args, ctx) {
      const idempotency = idempotencyOf('batch_generate_images', args, ctx);
      const batch = await deps.submissions.submit(idempotency, () =>
        submitBatch(deps, args, ctx, idempotency),
      );
      return { batch_id: batch.id, total: batch.jobs.length };
    },

    async checkBatchStatus(args, ctx) {
      const batch = requireBatch(scheduler, args.batch_id);
      const waitMs = (args.wait_seconds ?? DEFAULT_STATUS_WAIT_SECONDS) * 1000;
      const stopProgress =
        waitMs > 0
          ? watchBatchProgress(scheduler, batch, (update) => ctx.progress(update), deps.heartbeatMs)
          : undefined;
      try {
        await waitAnswerable(scheduler, batch.id, waitMs, ctx, { settled: true });
      } finally {
        stopProgress?.();
      }
      return toBatchStatus(batch);
    },

    async cancelBatch(args) {
      requireBatch(scheduler, args.batch_id);
      const result = await scheduler.cancel(args.batch_id);
      return {
        batch_id: args.batch_id,
        cancelled: result.cancelled.length,
        already_finished: result.alreadyFinished,
      };
    },
  };
}

async function submitBatch(
  deps: ServiceDeps,
  args: BatchGenerateImagesArgs,
  ctx: ToolContext,
  idempotency: BatchIdempotency | undefined,
): Promise<BatchRecord> {
  const policy = policyFor(deps, ctx);
  const placement = await placementFor(deps, args.project_dir, ctx, policy);
  const specs = await Promise.all(
    args.items.map(async (item, index) => {
      try {
        const fields = { ...args.defaults, ...definedOnly(item) };
        if (fields.image === undefined && fields.mode === undefined) {
          const editOnly = editOnlyFields.find((name) => fields[name] !== undefined);
          if (editOnly)
            throw new BridgeError(
              'invalid_arguments',
              `${editOnly} applies to edits: give image and mode too.`,
            );
          return await generateSpec(deps, fields, placement, policy, `-${index + 1}`);
        }
        if (fields.image === undefined || fields.mode === undefined)
          throw new BridgeError('invalid_arguments', 'an edit item needs both image and mode.');
        return await editSpec(
          deps,
          { ...fields, image: fields.image, mode: fields.mode },
          placement,
          policy,
          `-${index + 1}`,
        );
      } catch (error) {
        if (error instanceof BridgeError)
          throw new BridgeError(error.code, `items[${index}]: ${error.message}`, error);
        throw error;
      }
    }),
  );
  rejectDuplicatePaths(specs);
  return deps.scheduler.submit(specs, 'batch', idempotency);
}

function requireBatch(scheduler: Scheduler, batchId: string) {
  const batch = scheduler.get(batchId);
  if (!batch) {
    throw new BridgeError('unknown_batch', `No batch "${batchId}" is known here.`, {
      hint: 'Use the batch_id returned by generate_image or batch_generate_images; ids stay valid across restarts, and for 7 days after the batch finished.',
    });
  }
  return batch;
}

function rejectDuplicatePaths(specs: readonly JobSpec[]): void {
  const seen = new Map<string, number>();
  specs.forEach((spec, index) => {
    const earlier = seen.get(spec.savePath);
    if (earlier !== undefined) {
      throw new BridgeError(
        'duplicate_save_path',
        `items[${earlier}] and items[${index}] would both write "${spec.savePath}".`,
        { hint: 'Give each item its own save_path.' },
      );
    }
    seen.set(spec.savePath, index);
  });
}
