import type { BackendClient, BackendPool } from './backend-pool.js';
import { chooseBackend } from './dispatch.js';
import type { Failover } from './failover.js';
import { submitFailure } from './retry.js';
import type { PreparedPrompt, SchedulerOptions } from './scheduler-options.js';
import type { JobRecord } from './types.js';

/** A job of a new batch dispatched as the batch is accepted: its prompt id is in the write that accepts it. */
export interface Claim {
  job: JobRecord;
  backend: string;
  /** The backend's client as the claim was made (its POST goes there even if the backend is removed meanwhile). */
  client: BackendClient;
  prepared: PreparedPrompt;
}

/** What came of a POST /prompt: nothing when ComfyUI took the prompt, else the request's error. */
export type PostOutcome = Promise<{ error: unknown } | undefined>;

/** A claim whose POST /prompt went out while its batch was being written (postClaim). */
export interface SentClaim extends Claim {
  posted: PostOutcome;
}

/** POST /prompt, its failure as a value: one sent early is awaited later, never left rejected meanwhile. */
export function postPrompt(
  client: BackendClient,
  prepared: PreparedPrompt,
  promptId: string,
  front: boolean,
): PostOutcome {
  return client.submit(prepared.graph, { promptId, front }).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
}

/**
 * Dispatch decisions for jobs of a new interactive batch that can run now (the caller checks that nothing
 * interactive waits before them), each given a backend that can run the workflow and has room, its window slot
 * taken and its prompt id set, so the write that accepts the batch puts that id on disk. Stops at the first job
 * that cannot go: edits wait for the queue, as their inputs are uploaded first, and a job whose workflow cannot
 * be bound is failed by the queue's dispatch, with the reason.
 */
export function claimAtOnce(
  jobs: readonly JobRecord[],
  deps: {
    pool: Pick<BackendPool, 'loads' | 'client' | 'adjustInFlight'>;
    canRun: SchedulerOptions['canRun'];
    prepare: SchedulerOptions['prepare'];
  },
): Claim[] {
  const claims: Claim[] = [];
  for (const job of jobs) {
    if (job.spec.edit) break;
    const backend = chooseBackend(deps.pool.loads(), (id) => deps.canRun(job.spec.workflow, id));
    const client = backend && deps.pool.client(backend);
    if (!backend || !client) break;
    let prepared: PreparedPrompt;
    try {
      prepared = deps.prepare(job.spec);
    } catch {
      break;
    }
    deps.pool.adjustInFlight(backend, 1);
    job.attempts += 1;
    job.state = 'running';
    job.dispatch = { backend, promptId: `${job.id}-${job.attempts}` };
    claims.push({ job, backend, client, prepared });
  }
  return claims;
}

/**
 * Sends a claimed job's prompt to ComfyUI while its batch is being written, so the write-ahead record and
 * ComfyUI's answer overlap instead of following each other. The run is followed only once the batch is on disk
 * (Scheduler.submit), so no id is handed out and no image delivered before its record is durable; a crash inside
 * the write leaves at most one run in ComfyUI that nobody asked for (the caller got no answer).
 */
export function postClaim(claim: Claim): SentClaim {
  return { ...claim, posted: postPrompt(claim.client, claim.prepared, claim.job.dispatch!.promptId, true) };
}

/**
 * The batch of a claimed job could not be written, so its prompt must not run: once ComfyUI has answered the
 * POST, the prompt is removed from its queue or interrupted (and interrupted later if it only starts then).
 */
export async function withdrawClaim(claim: SentClaim, failover: Pick<Failover, 'disown'>): Promise<void> {
  const answered = await claim.posted;
  if (answered && submitFailure(answered.error) === 'refused') return;
  failover.disown(claim.backend, claim.job.dispatch!.promptId);
}
