import type {
  BackendView,
  BatchView,
  GalleryItem,
  ItemView,
  LockedSettingsView,
  SettingsView,
  StatusView,
  WorkflowView,
} from '../../shared/dashboard-api.js';
import type { GenerationRecord } from '../../shared/generation.js';
import type { Settings } from '../../shared/settings.js';
import type { FileVerdict } from '../gallery/index.js';
import type { BackendSnapshot } from '../jobs/backend-pool.js';
import type { LockedSettings } from '../settings-lock.js';
import { countJobs, isBatchDone, type BatchRecord, type JobRecord } from '../jobs/types.js';
import type { DefaultChoice } from '../workflows/default.js';
import type { WorkflowEntry } from '../workflows/library.js';

/*
 * Pure mappers from the core's records to the dashboard contract: what the person sees, never more (no save
 * roots, no tokens, no graphs).
 */

export function toBackendView(snapshot: BackendSnapshot): BackendView {
  return {
    url: snapshot.url,
    reachable: snapshot.available,
    ...(snapshot.problem ? { problem: snapshot.problem } : {}),
    ...(snapshot.stats ? { version: snapshot.stats.version } : {}),
    devices: (snapshot.stats?.devices ?? []).map((device) => ({
      name: device.name,
      type: device.type,
      vramTotal: device.vramTotal,
      vramFree: device.vramFree,
    })),
    queueRemaining: snapshot.queueRemaining,
    inFlight: snapshot.inFlight,
    since: snapshot.since,
  };
}

export interface StatusParts {
  version: string;
  mcpUrl: string;
  outputDir: string;
  dataDir: string;
  backends: readonly BackendSnapshot[];
  queue: { pending: number; running: number };
  paused: boolean;
}

export function toStatusView(parts: StatusParts): StatusView {
  return {
    version: parts.version,
    mcpUrl: parts.mcpUrl,
    outputDir: parts.outputDir,
    dataDir: parts.dataDir,
    backends: parts.backends.map(toBackendView),
    queue: { pending: parts.queue.pending, running: parts.queue.running, paused: parts.paused },
  };
}

/** What a batch view needs besides the batch: live sampling progress, and whether a result is in the gallery. */
export interface ItemContext {
  progressOf(jobId: string): { value: number; max: number } | undefined;
  /** The gallery id of a finished job's image, if the gallery still has it. */
  imageIdOf(jobId: string): string | undefined;
}

export function toItemView(job: JobRecord, context: ItemContext): ItemView {
  const progress = job.state === 'running' ? context.progressOf(job.id) : undefined;
  const imageId = job.state === 'completed' ? context.imageIdOf(job.id) : undefined;
  return {
    jobId: job.id,
    index: job.index,
    state: job.state,
    prompt: job.spec.prompt,
    width: job.result?.width ?? job.spec.width,
    height: job.result?.height ?? job.spec.height,
    seed: job.result?.seed ?? job.spec.seed,
    workflow: job.spec.workflow,
    ...(progress ? { progress: { value: progress.value, max: progress.max } } : {}),
    ...(imageId ? { imageId } : {}),
    ...(job.result ? { path: job.result.path } : {}),
    ...(job.error ? { error: { code: job.error.code, message: job.error.message } } : {}),
  };
}

export function toBatchView(batch: BatchRecord, context: ItemContext): BatchView {
  return {
    id: batch.id,
    createdAt: batch.createdAt,
    priority: batch.priority,
    done: isBatchDone(batch),
    counts: countJobs(batch.jobs),
    items: batch.jobs.map((job) => toItemView(job, context)),
  };
}

/** Unfinished batches first (they are what a person watches), then the rest newest first, at most `limit`. */
export function recentBatches(batches: readonly BatchRecord[], limit: number): BatchRecord[] {
  const newestFirst = [...batches].sort((a, b) =>
    a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt),
  );
  const running = newestFirst.filter((batch) => !isBatchDone(batch));
  const finished = newestFirst.filter((batch) => isBatchDone(batch));
  return [...running, ...finished].slice(0, Math.max(limit, running.length));
}

export function toGalleryItem(record: GenerationRecord, file: FileVerdict): GalleryItem {
  return {
    id: record.id,
    path: record.path,
    prompt: record.prompt,
    ...(record.negativePrompt ? { negativePrompt: record.negativePrompt } : {}),
    seed: record.seed,
    width: record.width,
    height: record.height,
    format: record.format,
    bytes: record.bytes,
    workflow: record.workflow,
    backend: record.backend,
    ...(record.batchId ? { batchId: record.batchId } : {}),
    createdAt: record.createdAt,
    fileState: file.state,
    ...(file.state === 'present' ? {} : { fileNote: file.why }),
    ...(record.edit ? { edit: { mode: record.edit.mode, source: record.edit.source } } : {}),
    ...(record.web ? { web: record.web } : {}),
  };
}

export type BackendCheck =
  | { backend: string; checked: true; runnable: boolean; messages: string[] }
  | { backend: string; checked: false };

export function toWorkflowView(entry: WorkflowEntry, checks: readonly BackendCheck[]): WorkflowView {
  const base = {
    id: entry.id,
    source: entry.source,
    file: entry.file,
    ...(entry.overridesBundled ? { overridesBundled: entry.overridesBundled } : {}),
  };
  if (entry.status === 'error') {
    return {
      ...base,
      status: 'error',
      error: entry.error,
      title: entry.id,
      description: '',
      family: 'unknown',
      models: [],
      parameters: [],
      outputNodeIds: [],
      notes: [],
      validation: [],
    };
  }
  const { workflow } = entry;
  return {
    ...base,
    status: 'ok',
    title: workflow.meta.title,
    description: workflow.meta.description,
    family: workflow.meta.family,
    models: workflow.meta.models.map((model) => ({
      file: model.file,
      folder: model.folder,
      ...(model.url ? { url: model.url } : {}),
    })),
    parameters: Object.entries(workflow.parameters.targets).flatMap(([name, targets]) =>
      (targets ?? []).map((target) => ({
        name,
        nodeId: target.nodeId,
        classType: target.classType,
        input: target.input,
        source: target.source,
      })),
    ),
    outputNodeIds: [...workflow.parameters.outputNodeIds],
    notes: [...workflow.parameters.notes],
    validation: checks.map((check) =>
      check.checked
        ? { backend: check.backend, runnable: check.runnable, messages: check.messages }
        : {
            backend: check.backend,
            runnable: false,
            messages: [
              `Not checked yet: ComfyUI at ${check.backend} has not answered, so its nodes and models are unknown.`,
            ],
          },
    ),
  };
}

/** The workflow calls get when they name none, with the reason; the user's choice stands while nothing can be checked. */
export function describeDefault(
  preferred: string,
  choice: DefaultChoice,
  backendsKnown: boolean,
): { defaultId?: string; defaultReason: string } {
  if (choice.id !== undefined) return { defaultId: choice.id, defaultReason: choice.reason };
  if (preferred && !backendsKnown) {
    return {
      defaultId: preferred,
      defaultReason: `"${preferred}" is the chosen default; it is checked once a ComfyUI answers.`,
    };
  }
  return { defaultReason: choice.reason };
}

export function toSettingsView(settings: Settings): SettingsView {
  const { dashboardToken: _hidden, comfyuiStartCommand: _notHere, ...view } = settings;
  return view;
}

/** The locked settings as the dashboard sees them (the dashboard token is never named to it). */
export function lockedView(locked: LockedSettings): LockedSettingsView {
  const { dashboardToken: _hidden, comfyuiStartCommand: _notHere, ...view } = locked;
  return view;
}

/** Settings read once at start-up: the listening address, the /mcp token, the watched workflow folder. */
export const restartSettings = [
  'host',
  'port',
  'mcpToken',
  'requireTokenOnLoopback',
  'userWorkflowsDir',
] as const;

/** Which start-up settings now differ from the values the bridge is running with. */
export function restartRequired(
  running: Pick<Settings, (typeof restartSettings)[number]>,
  current: Settings,
) {
  return restartSettings.filter((key) => running[key] !== current[key]);
}
