import type { ApiGraph } from '../comfy/types.js';
import type { Logger } from '../log.js';
import type { BackendPool } from './backend-pool.js';
import type { BatchStore } from './batch-store.js';
import type { JobRecord, JobResult, JobSpec, StagedInputs } from './types.js';
import type { ImageFeed } from './image-feed.js';

/** A workflow bound to one job's parameters, ready for POST /prompt. */
export interface PreparedPrompt {
  graph: ApiGraph;
  /** Output nodes whose images are the job's result, in order of preference. */
  outputNodes: string[];
}

export interface SchedulerOptions {
  store: BatchStore;
  pool: BackendPool;
  logger: Logger;
  /**
   * Binds the job's workflow (an edit's with the names its inputs got on the backend); throws (a BridgeError) when
   * the workflow is unknown or unusable.
   */
  prepare(spec: JobSpec, staged?: StagedInputs): PreparedPrompt;
  /**
   * An edit's source (and mask), read again and uploaded to the backend that runs the job, before its prompt is
   * bound; throws a BridgeError (source_changed, a path refusal) that fails the job, or a transient error that
   * sends it again.
   */
  stageInputs?(spec: JobSpec, backendId: string): Promise<StagedInputs>;
  /** Forgets the inputs uploaded to that backend (it answered that one is missing); with `stageInputs`. */
  forgetInputs?(backendId: string): void;
  /** The workflow's output nodes, for a run recovered after a restart. */
  outputNodes?(spec: JobSpec): string[];
  /** Whether a backend has every node type and model file the workflow needs. */
  canRun(workflow: string, backendId: string): boolean;
  /** What a backend lacks for the workflow, in words that say what to install. */
  explainCannotRun(workflow: string, backendId: string): string;
  /**
   * Turns ComfyUI's image into the requested file (size, format, metadata, save path) and records it. Called as the
   * download starts, so the save path is checked while the image is on its way; `image` rejects if the run is
   * cancelled or stopped meanwhile, and nothing is placed then. `feed` follows the bytes as they arrive, for a
   * delivery that writes them on meanwhile.
   */
  deliver(
    job: JobRecord,
    batchId: string,
    image: Promise<Buffer>,
    backendId: string,
    feed?: ImageFeed,
  ): Promise<JobResult>;
  /**
   * A job's result if it was already delivered (a restart between writing the file and saving the batch); asked
   * only for jobs that were sent to a ComfyUI. The bridge's answer waits for the gallery's index to load.
   */
  findDelivered(job: JobRecord): Promise<JobResult | undefined> | JobResult | undefined;
  /** Dispatches after which a job that keeps losing its backend fails. */
  maxAttempts?: number;
  /** How long one ComfyUI run may take before it is interrupted and failed. */
  jobTimeoutMs?: number;
  /** How long a finished batch stays answerable (and on disk) after its last change; its images stay in the gallery. */
  finishedBatchRetentionMs?: number;
  /** Jobs that may wait in the queue at once (read on every submit, so a settings change applies at once). */
  maxPendingJobs?: () => number;
  now?: () => number;
}
