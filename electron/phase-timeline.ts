/**
 * Where one job's time goes, step by step: the write-ahead record, POST /prompt, ComfyUI's terminal event, the
 * download, the render, each durable step of the atomic write and the gallery record. Off (each mark a single
 * check) unless `serve` runs at `--log-level debug` (cli/start-core.ts); then every job logs one debug line
 * `phase timeline {"job", "marks": [[phase, epochMs], …]}` once its file is recorded, which `npm run bench` with
 * BENCH_BREAKDOWN=1 reads. Epoch milliseconds with sub-millisecond precision (performance.timeOrigin + now), so
 * marks from the bench process and from ComfyUI's own timestamps line up with them.
 */

export type PhaseMark = [phase: string, epochMs: number];
type Sink = (jobId: string, marks: PhaseMark[]) => void;

/** Timelines of jobs still running; bounded, so jobs that never finish cannot grow it. */
const maxOpenTimelines = 2_000;
const open = new Map<string, PhaseMark[]>();
let sink: Sink | undefined;

/** Starts recording; `write` gets each job's marks when the job's file is recorded. */
export function recordPhaseTimelines(write: Sink): void {
  sink = write;
}

/** Opens (or continues) a job's timeline with a mark. */
export function startPhase(jobId: string, phase: string): void {
  if (!sink) return;
  let marks = open.get(jobId);
  if (!marks) {
    if (open.size >= maxOpenTimelines) open.delete(open.keys().next().value!);
    open.set(jobId, (marks = []));
  }
  marks.push([phase, epochNow()]);
}

/** A mark on a job's open timeline (none is opened: a step after the end, or of a job recovered at start). */
export function markPhase(jobId: string, phase: string): void {
  if (!sink) return;
  open.get(jobId)?.push([phase, epochNow()]);
}

/** The same mark on the timeline of each job of a batch. */
export function markJobsPhase(jobs: readonly { id: string }[], phase: string): void {
  if (!sink) return;
  for (const job of jobs) markPhase(job.id, phase);
}

/** The same mark for the job a ComfyUI prompt id belongs to (`<job id>-<attempt>`, jobs/scheduler.ts). */
export function markPromptPhase(promptId: string, phase: string): void {
  if (!sink) return;
  markPhase(promptId.replace(/-\d+$/u, ''), phase);
}

/** Closes a job's timeline and hands it to the sink. */
export function endPhases(jobId: string, phase: string): void {
  if (!sink) return;
  const marks = open.get(jobId);
  if (!marks) return;
  open.delete(jobId);
  marks.push([phase, epochNow()]);
  sink(jobId, marks);
}

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
