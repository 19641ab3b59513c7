import type { OutputFormat } from '../../shared/generation.js';

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
}

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
