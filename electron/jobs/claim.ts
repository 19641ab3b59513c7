import type { BackendPool } from './backend-pool.js';
import { chooseBackend } from './dispatch.js';
import type { PreparedPrompt, SchedulerOptions } from './scheduler-options.js';
import type { JobRecord } from './types.js';

/** A job of a new batch dispatched in the write that accepts it (Scheduler.submit, RunFlow.sendClaimed). */
export interface Claim {
  job: JobRecord;
  backend: string;
  prepared: PreparedPrompt;
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
    if (!backend || !deps.pool.client(backend)) break;
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
    claims.push({ job, backend, prepared });
  }
  return claims;
}
