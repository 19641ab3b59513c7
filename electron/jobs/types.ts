import type { EditMode, OutputFormat } from '../../shared/generation.js';
import type { WebAsset } from '../web/make-web-asset.js';
import type { WebOption } from '../web/purposes.js';

/** A pixel rectangle of the source image. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Pixels added on each side (outpaint). */
export interface Extend {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * What an edit needs at dispatch, stored with the job so a restart loses nothing: the source (and mask) are read
 * again through the path policy then, checked against the hash taken when the call was accepted, and uploaded to
 * the backend that runs the job.
 */
export interface EditSpec {
  mode: EditMode;
  /** Absolute path of the source, checked readable when the call was accepted. */
  source: string;
  /** SHA-256 (hex) of the source's bytes when the call was accepted; another content fails the job (source_changed). */
  sourceHash: string;
  sourceWidth: number;
  sourceHeight: number;
  /** inpaint: a mask file (white = change) and its hash, or a region of the source. */
  mask?: { path: string; hash: string };
  region?: Region;
  /** 0–1, how far from the source ({{denoise}}), as the call gave it; absent: the workflow's own, else the mode's. */
  strength?: number;
  /** outpaint: pixels added on each side. */
  extend?: Extend;
  /** upscale: the factor ({{scale}}). */
  scale?: number;
}

/** What an edit's workflow gets for {{input_image}} and {{mask_image}}: names in the backend's input folder. */
export interface StagedInputs {
  inputImage: string;
  maskImage?: string;
}

/** What one image request asks for, with the save path already resolved and checked by the path policy. */
export interface JobSpec {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  seed: number;
  format: OutputFormat;
  workflow: string;
  /** Absolute, policy-checked path the file is written to. */
  savePath: string;
  /** The folders the request was allowed to write into; checked again at write time (a symlink may appear meanwhile). */
  allowedRoots: string[];
  overwrite: boolean;
  /** Why the file goes to savePath when the save_path given does not say (no save_path, no project folder). */
  savedToReason?: string;
  /** Set for edit_image (and batch items that are edits). */
  edit?: EditSpec;
  /** Web variants to make once the file is written (the `web` option; bridge/web-jobs.ts). */
  web?: WebSpec;
}

/** The `web` option as the call gave it, with the project folder its URLs are relative to. */
export interface WebSpec {
  option: WebOption;
  projectDir?: string;
}

/**
 * A completed job's web variants. Absent or `pending` while they are being made (`claimed`: the variant names
 * were checked free and files of those names are this job's, so a resumed run may replace them); `done` with the
 * asset, or `failed` (the main file stays completed).
 */
export type WebState =
  | { status: 'pending'; claimed?: boolean }
  | { status: 'done'; asset: WebAsset }
  | { status: 'failed'; error: JobError };

export type JobState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export const terminalStates: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);

export interface JobError {
  code: string;
  message: string;
  details?: unknown;
}

export interface JobResult {
  path: string;
  width: number;
  height: number;
  format: OutputFormat;
  bytes: number;
  seed: number;
  workflow: string;
  backend: string;
  /** An edit's source path. */
  source?: string;
  /** remove_background: measured on the written file. */
  hasAlpha?: boolean;
  transparentFraction?: number;
}

export interface JobRecord {
  id: string;
  index: number;
  spec: JobSpec;
  state: JobState;
  /** Set before the prompt is sent, so a restart can find the run in that backend's queue or history. */
  dispatch?: { backend: string; promptId: string };
  /** How many times the job was sent to a ComfyUI (a re-dispatch after a backend died counts again). */
  attempts: number;
  result?: JobResult;
  error?: JobError;
  /** Set once the job completed with `spec.web`; see WebState. */
  web?: WebState;
  updatedAt: string;
}

export type BatchPriority = 'interactive' | 'batch';

export interface BatchRecord {
  id: string;
  priority: BatchPriority;
  createdAt: string;
  /** The caller's idempotency key and a fingerprint of its request; stored with the batch so it survives a restart. */
  idempotency?: BatchIdempotency;
  jobs: JobRecord[];
}

export interface BatchIdempotency {
  key: string;
  fingerprint: string;
}

export interface BatchCounts {
  total: number;
  completed: number;
  pending: number;
  running: number;
  failed: number;
  cancelled: number;
}

export function countJobs(jobs: readonly JobRecord[]): BatchCounts {
  const counts: BatchCounts = {
    total: jobs.length,
    completed: 0,
    pending: 0,
    running: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const job of jobs) counts[job.state] += 1;
  return counts;
}

export function isBatchDone(batch: BatchRecord): boolean {
  return batch.jobs.every((job) => terminalStates.has(job.state));
}

/** A completed job whose web variants are still to be made (or to be resumed after a restart). */
export function hasWebPending(job: JobRecord): boolean {
  return (
    job.state === 'completed' && job.spec.web !== undefined && (job.web?.status ?? 'pending') === 'pending'
  );
}

/** Every item finished, web variants included: what check_batch_status calls done. */
export function isBatchSettled(batch: BatchRecord): boolean {
  return isBatchDone(batch) && !batch.jobs.some(hasWebPending);
}
