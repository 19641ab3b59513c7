import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { access } from 'node:fs/promises';
import { deviceTitle } from '../../shared/devices.js';
import type { GenerationRecord, OutputFormat } from '../../shared/generation.js';
import type { DirectoryImage } from '../gallery/directory.js';
import { BridgeError } from '../errors.js';
import { CursorError, type Gallery } from '../gallery/index.js';
import { pixelLimitOf } from '../images/pixel-limit.js';
import { readFileWithin } from '../images/checked-read.js';
import { isErrno } from '../images/errno.js';
import { createWorkPool, type WorkPool } from '../web/pool.js';
import { FormatError, resolveOutputFormat } from '../images/format.js';
import {
  createPathPolicy,
  PathPolicyError,
  type PathAnchors,
  type PathPolicy,
} from '../images/path-policy.js';
import {
  FIRST_PROBE_WAIT_MS,
  STATUS_OBJECT_INFO_MAX_AGE_MS,
  type BackendPool,
} from '../jobs/backend-pool.js';
import { SchedulerStoppedError, type Scheduler } from '../jobs/scheduler.js';
import type { BatchIdempotency, BatchRecord, JobSpec, WebSpec } from '../jobs/types.js';
import type { Logger } from '../log.js';
import { definedOnly } from '../objects.js';
import {
  DEFAULT_STATUS_WAIT_SECONDS,
  type BatchGenerateImagesArgs,
  type ComfyStatus,
  type GenerateImageArgs,
  type GenerateImageResult,
  type GeneratedImage,
} from '../mcp/schemas.js';
import type { BridgeService, ToolContext } from '../mcp/service.js';
import type { SettingsService } from '../settings.js';
import type { WorkflowCatalog } from './catalog.js';
import { defaultFileName } from './file-names.js';
import { watchBatchProgress } from './batch-progress.js';
import { IdempotentSubmitter, requestFingerprint } from './idempotency.js';
import { chooseSaveTarget, findImagesFolder, implicitProjectDir, projectAnchors } from './save-location.js';
import { DEFAULT_HEARTBEAT_MS, phaseOfRun, ProgressReporter, type GenerationPhase } from './progress.js';
import { toBatchStatus, webResultOf } from './status.js';
import { webOptionSchema } from '../web/purposes.js';
import { editReadLimits } from './edit-inputs.js';
import { readablePath, resolvePath } from './call-paths.js';
import { convertForCall } from './convert-call.js';
import { buildEditSpec, type EditFields } from './edit-spec.js';

export interface BridgeServiceOptions {
  scheduler: Scheduler;
  pool: BackendPool;
  catalog: WorkflowCatalog;
  gallery: Gallery;
  settings: SettingsService;
  /** The effective output folder (settings may leave it empty; the core fills in a default). */
  outputDir(): string;
  logger: Logger;
  /** Where files replaced with overwrite are kept (the data folder's `replaced`). */
  recoveryDir: string;
  /** Makes the small inline preview of a finished image from its bytes. */
  makePreview(image: Buffer): Promise<Buffer>;
  /** Interval of progress heartbeats while a call waits; MCP clients' idle timers need one every few seconds
   * (default DEFAULT_HEARTBEAT_MS); tests shorten it. */
  heartbeatMs?: number;
  /** The process's pool for web variant encodes (web/pool.ts); default: one made here. */
  webPool?: WorkPool;
}

type GenerateFields = Omit<
  GenerateImageArgs,
  'preview' | 'wait_seconds' | 'prompt' | 'idempotency_key' | 'project_dir'
> & {
  prompt?: string | undefined;
};

/** A batch item's fields that only an edit (an item with image and mode) takes. */
const editOnlyFields = ['mask', 'region', 'strength', 'extend', 'scale'] as const;

/** The fields every waiting call has besides what its image is. */
interface InteractiveArgs {
  preview?: boolean | undefined;
  wait_seconds?: number | undefined;
  idempotency_key?: string | undefined;
  project_dir?: string | undefined;
}

/** Where one call's paths resolve (save-location.ts), and the project's images folder for unnamed images. */
interface Placement {
  anchors: PathAnchors;
  imagesFolder: string | undefined;
}

export function createBridgeService(options: BridgeServiceOptions): BridgeService {
  const { scheduler, pool, catalog, gallery, settings, logger } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const webPool = options.webPool ?? createWorkPool();
  const submissions = new IdempotentSubmitter((key) =>
    scheduler.list().find((batch) => batch.idempotency?.key === key),
  );

  /** Allowed folders for one call: the settings' folders, the output folder, and this client's project. */
  const policyFor = (ctx: ToolContext): PathPolicy =>
    createPathPolicy({
      allowedRoots: [
        options.outputDir(),
        ...settings.get().allowedDirs,
        ...ctx.roots,
        ...(ctx.cwd ? [ctx.cwd] : []),
      ],
    });
  const anchorsFor = (projectDir: string | undefined, ctx: ToolContext, policy: PathPolicy) =>
    projectAnchors(projectDir, ctx, policy, options.outputDir());
  const placementFor = async (
    projectDir: string | undefined,
    ctx: ToolContext,
    policy: PathPolicy,
  ): Promise<Placement> => {
    const anchors = await anchorsFor(projectDir, ctx, policy);
    return { anchors, imagesFolder: anchors.baseDir ? await findImagesFolder(anchors.baseDir) : undefined };
  };
  /** The call's idempotency key with what identifies its request, when the caller gave one. */
  /**
   * The agent's idempotency_key, else the stdio shim's request key: a shim that re-attaches to a new core sends an
   * unanswered call again with the same key, and must get the batch the first send queued.
   */
  const idempotencyOf = (tool: string, args: { idempotency_key?: string | undefined }, ctx: ToolContext) => {
    const key = args.idempotency_key ?? (ctx.requestKey === undefined ? undefined : `shim:${ctx.requestKey}`);
    return key === undefined
      ? undefined
      : { key, fingerprint: requestFingerprint(tool, args, implicitProjectDir(ctx)) };
  };

  async function toSpec(
    fields: GenerateFields,
    placement: Placement,
    policy: PathPolicy,
    suffix = '',
  ): Promise<JobSpec> {
    const prompt = fields.prompt;
    if (!prompt) throw new BridgeError('invalid_arguments', 'prompt is required.');
    // Model files come and go while ComfyUI runs; the default and the dispatcher's check need today's lists,
    // and right after start-up the backends' first answers.
    await pool.firstProbes(FIRST_PROBE_WAIT_MS);
    await pool.refreshObjectInfo();
    const workflow = catalog.resolveId(fields.workflow);
    const size = catalog.defaultSize(workflow);
    const seed = fields.seed ?? randomInt(0, 2 ** 47);
    const generatedName = defaultFileName(prompt, seed, fields.format ?? 'png', suffix);
    const { anchors } = placement;
    // A folder as save_path means "this folder, with the name the bridge would have chosen".
    const requested = chooseSaveTarget({
      savePath:
        fields.save_path && (await policy.namesSaveFolder(fields.save_path, anchors))
          ? join(fields.save_path, generatedName)
          : fields.save_path,
      generatedName,
      anchors,
      imagesFolder: placement.imagesFolder,
    });
    let target: { path: string; format: OutputFormat };
    try {
      target = resolveOutputFormat(requested.path, fields.format);
    } catch (error) {
      if (error instanceof FormatError) throw new BridgeError('invalid_format', error.message);
      throw error;
    }
    const savePath = await resolvePath(policy, target.path, anchors);
    const overwrite = fields.overwrite ?? false;
    if (!overwrite && (await exists(savePath))) {
      throw new BridgeError('file_exists', `"${savePath}" already exists and overwrite is false.`, {
        hint: 'Pass overwrite: true to replace it (the old file is kept in the recovery folder), or choose another save_path.',
      });
    }
    return {
      prompt,
      negativePrompt: fields.negative_prompt ?? '',
      width: fields.width ?? size.width,
      height: fields.height ?? size.height,
      seed,
      format: target.format,
      workflow,
      savePath,
      allowedRoots: [...policy.allowedRoots()],
      overwrite,
      ...(requested.reason === undefined ? {} : { savedToReason: requested.reason }),
      ...webSpecOf(fields.web, placement),
    };
  }

  /** An edit's spec (edit-spec.ts); the object lists are read fresh so the mode's default sees today's models. */
  async function toEditSpec(fields: EditFields, placement: Placement, policy: PathPolicy, tag = '') {
    await pool.firstProbes(FIRST_PROBE_WAIT_MS);
    await pool.refreshObjectInfo();
    const spec = await buildEditSpec(
      {
        catalog,
        limits: editReadLimits(settings.get()),
        resolveSavePath: (path, anchors) => resolvePath(policy, path, anchors),
        seed: () => randomInt(0, 2 ** 47),
      },
      fields,
      { policy, ...placement },
      tag,
    );
    return { ...spec, ...webSpecOf(fields.web, placement) };
  }

  async function finishedImages(batchId: string, withPreview: boolean): Promise<GeneratedImage[]> {
    const batch = scheduler.get(batchId)!;
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
            ...(withPreview ? await previewOf(job.result!.path, job.spec.allowedRoots) : {}),
          };
        }),
    );
  }

  async function submitBatch(
    args: BatchGenerateImagesArgs,
    ctx: ToolContext,
    idempotency: BatchIdempotency | undefined,
  ): Promise<BatchRecord> {
    const policy = policyFor(ctx);
    const placement = await placementFor(args.project_dir, ctx, policy);
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
            return await toSpec(fields, placement, policy, `-${index + 1}`);
          }
          if (fields.image === undefined || fields.mode === undefined)
            throw new BridgeError('invalid_arguments', 'an edit item needs both image and mode.');
          return await toEditSpec(
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
    return scheduler.submit(specs, 'batch', idempotency);
  }

  /**
   * One image for an agent that waits: submitted as an interactive batch of one (or the batch its idempotency key
   * already names), with progress while it waits, answered with the file, its failure, or `running` and the id.
   */
  async function runInteractive<Args extends InteractiveArgs>(
    tool: string,
    args: Args,
    ctx: ToolContext,
    buildSpec: (
      fields: Omit<Args, keyof InteractiveArgs>,
      placement: Placement,
      policy: PathPolicy,
    ) => Promise<JobSpec>,
  ): Promise<GenerateImageResult> {
    const idempotency = idempotencyOf(tool, args, ctx);
    // A retry with the key gets the first call's batch back, before its paths are checked again: the first
    // call may have written the file by now.
    const batch = await submissions.submit(idempotency, async () => {
      const {
        idempotency_key: _key,
        project_dir: projectDir,
        preview: _preview,
        wait_seconds: _wait,
        ...fields
      } = args;
      const policy = policyFor(ctx);
      const placement = await placementFor(projectDir, ctx, policy);
      return scheduler.submit([await buildSpec(fields, placement, policy)], 'interactive', idempotency);
    });
    const job = batch.jobs[0]!;
    const reporter = new ProgressReporter(
      (update) => ctx.progress(update),
      heartbeatMs,
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
        images: await finishedImages(batch.id, args.preview ?? false),
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

  /** The inline preview, read from the written file through its checked folder; none if that folder moved. */
  async function previewOf(path: string, allowedRoots: readonly string[]): Promise<{ previewWebp?: Buffer }> {
    try {
      return { previewWebp: await options.makePreview(await readFileWithin(path, allowedRoots)) };
    } catch (error) {
      if (!(error instanceof PathPolicyError)) throw error;
      logger.warn('no preview: the image was moved or its folder changed', { path, reason: error.reason });
      return {};
    }
  }

  return {
    generateImage(args, ctx) {
      return runInteractive('generate_image', args, ctx, (fields, placement, policy) =>
        toSpec(fields, placement, policy),
      );
    },

    editImage(args, ctx) {
      return runInteractive('edit_image', args, ctx, (fields, placement, policy) =>
        toEditSpec(fields, placement, policy),
      );
    },

    async batchGenerateImages(args, ctx) {
      const idempotency = idempotencyOf('batch_generate_images', args, ctx);
      const batch = await submissions.submit(idempotency, () => submitBatch(args, ctx, idempotency));
      return { batch_id: batch.id, total: batch.jobs.length };
    },

    async checkBatchStatus(args, ctx) {
      const batch = requireBatch(scheduler, args.batch_id);
      const waitMs = (args.wait_seconds ?? DEFAULT_STATUS_WAIT_SECONDS) * 1000;
      const stopProgress =
        waitMs > 0
          ? watchBatchProgress(scheduler, batch, (update) => ctx.progress(update), heartbeatMs)
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

    async listGeneratedImages(args, ctx) {
      const limit = args.limit ?? 50;
      const policy = policyFor(ctx);
      const directory = args.directory
        ? await readablePath(policy, args.directory, await anchorsFor(args.project_dir, ctx, policy))
        : undefined;
      let page;
      try {
        page = directory
          ? await gallery.listDirectory(directory, {
              ...definedOnly({ query: args.query, cursor: args.cursor }),
              limit,
            })
          : gallery.list({ ...definedOnly({ query: args.query, cursor: args.cursor }), limit });
      } catch (error) {
        // An altered or foreign cursor is the agent's mistake, not a bug: say so instead of "internal error".
        if (error instanceof CursorError) throw new BridgeError('invalid_cursor', error.message);
        if (directory && isErrno(error, 'ENOTDIR')) {
          throw new BridgeError('not_a_directory', `"${directory}" is a file, not a folder.`, {
            hint: 'Pass the folder that holds the images as directory, or leave it out to list the gallery.',
          });
        }
        throw error;
      }
      return {
        images: page.items.map((item) => ({
          path: item.path,
          bytes: item.bytes,
          ...describeListed(item),
        })),
        ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      };
    },

    async checkComfyuiStatus() {
      // The user may have just added or deleted a model file: answer from ComfyUI's lists as they are now.
      await pool.refreshObjectInfo(STATUS_OBJECT_INFO_MAX_AGE_MS);
      return comfyStatus(pool, catalog, settings.get().defaultWorkflow, logger);
    },

    convertImage(args, ctx) {
      const policy = policyFor(ctx);
      return convertForCall(
        {
          policy,
          anchors: anchorsFor(args.project_dir, ctx, policy),
          recoveryDir: options.recoveryDir,
          maxInputPixels: pixelLimitOf(settings.get().maxInputMegapixels),
          gallery,
          webPool,
          logger,
        },
        args,
        ctx,
      );
    },
  };
}

/** The MCP side never downloads a model (agents do not spend the user's disk): it points to the dashboard's button. */
export const askForModelDownload =
  'Do not download models yourself: ask the user to click "Download model" in the bridge dashboard (Status).';

function comfyStatus(
  pool: BackendPool,
  catalog: WorkflowCatalog,
  preferred: string,
  logger: Logger,
): ComfyStatus {
  let defaultId: string | undefined;
  let noDefault: string | undefined;
  try {
    defaultId = catalog.resolveId(preferred || undefined);
  } catch (error) {
    logger.debug('no default workflow to check', { error });
    // Without this the agent sees reachable backends and only learns at generate_image that nothing can run.
    if (error instanceof BridgeError) noDefault = `${error.message} ${askForModelDownload}`;
  }
  return {
    ...(noDefault ? { no_default_workflow: noDefault } : {}),
    backends: pool.snapshot().map((backend) => {
      const device = backend.stats?.devices[0];
      const objectInfo = pool.objectInfo(backend.id);
      const check =
        defaultId && objectInfo ? catalog.check(defaultId, objectInfo, backend.stats?.version) : undefined;
      return {
        url: backend.url,
        reachable: backend.available,
        queue_length: backend.queueRemaining,
        ...(backend.stats ? { version: backend.stats.version } : {}),
        ...(device
          ? {
              device: deviceTitle(device),
              device_type: device.type,
              memory_total_bytes: device.vramTotal,
              memory_free_bytes: device.vramFree,
            }
          : {}),
        ...(defaultId && check
          ? {
              default_workflow: {
                id: defaultId,
                can_run: check.runnable,
                missing_node_types: check.missingNodeTypes,
                missing_models: check.missingModels,
              },
            }
          : {}),
        ...(backend.problem && !backend.available ? { error: backend.problem } : {}),
      };
    }),
  };
}

/** A listed file: gallery records carry their prompt and seed; plain files in a folder may not. */
function describeListed(item: GenerationRecord | DirectoryImage) {
  const record = 'createdAt' in item ? item : item.record;
  return {
    created_at: 'createdAt' in item ? item.createdAt : item.modifiedAt,
    ...definedOnly({ width: item.width, height: item.height, prompt: record?.prompt, seed: record?.seed }),
  };
}

/**
 * Waits for the batch like `scheduler.wait`, but a call that is released (its session is closing) ends the wait
 * without an error: it answers with the batch as it is, work still running. A bridge that stops meanwhile answers
 * `bridge_stopped` with the batch id (the batch is on disk and continues at the next start), which the stdio shim
 * takes as its cue to re-attach and send the call again. Only the client's own cancellation (ctx.signal) rejects
 * otherwise.
 */
async function waitAnswerable(
  scheduler: Scheduler,
  batchId: string,
  timeoutMs: number,
  ctx: ToolContext,
  options: { settled?: boolean } = {},
) {
  const signal = ctx.release ? AbortSignal.any([ctx.signal, ctx.release]) : ctx.signal;
  try {
    await scheduler.wait(batchId, { timeoutMs, signal, ...options });
  } catch (error) {
    if (error instanceof SchedulerStoppedError) {
      throw new BridgeError('bridge_stopped', `The bridge stopped while batch ${batchId} was running.`, {
        hint: 'The batch is saved and continues when the bridge starts again; then call check_batch_status with its id.',
        details: { batch_id: batchId },
      });
    }
    const released = ctx.release?.aborted === true && !ctx.signal.aborted;
    if (!released) throw error;
  }
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

/**
 * The job's web variants, when the call asked for them (the schema checked the option): URLs are relative to the
 * call's project folder (its public/, static/ or assets/).
 */
function webSpecOf(web: unknown, placement: Placement): { web?: WebSpec } {
  if (web === undefined) return {};
  const projectDir = placement.anchors.baseDir;
  return { web: { option: webOptionSchema.parse(web), ...(projectDir === undefined ? {} : { projectDir }) } };
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

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
