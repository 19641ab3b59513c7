/**
 * Where one generate_image call's overhead goes, step by step (BENCH_BREAKDOWN=1): the bridge's own phase marks
 * (electron/phase-timeline.ts, logged by `serve` at --log-level debug), ComfyUI's execution_start and terminal
 * timestamps (its /history), and the client's request and answer, all on the epoch clock in milliseconds.
 * Each step is the time from one mark to the next on the call's path; the median of each over many calls.
 */
import type { Run } from './comfy-timeline.js';
import { median, percentile } from './stats.js';

export type PhaseMark = [phase: string, epochMs: number];

export function parseTimelineLine(line: string): { job: string; marks: PhaseMark[] } | undefined {
  const at = line.indexOf('phase timeline {');
  if (at < 0) return undefined;
  try {
    const parsed = JSON.parse(line.slice(at + 'phase timeline '.length)) as {
      job?: unknown;
      marks?: unknown;
    };
    return typeof parsed.job === 'string' && Array.isArray(parsed.marks)
      ? { job: parsed.job, marks: parsed.marks as PhaseMark[] }
      : undefined;
  } catch {
    return undefined;
  }
}

/** One call: its marks by phase (the first of each), with the client's and ComfyUI's. */
export type CallMarks = Map<string, number>;

export function callMarks(
  call: { requestMs: number; answerMs: number },
  run: Run,
  marks: readonly PhaseMark[] | undefined,
): CallMarks {
  const byPhase: CallMarks = new Map([
    ['request', call.requestMs],
    ['comfy-start', run.startMs],
    ['comfy-end', run.endMs],
    ['answer', call.answerMs],
  ]);
  for (const [phase, at] of marks ?? []) if (!byPhase.has(phase)) byPhase.set(phase, at);
  return byPhase;
}

/** The steps, in the order of a call that runs them one after another (the build before issue 16). */
const steps: readonly [label: string, from: string, to: string][] = [
  ['MCP request, validation, paths', 'request', 'persist'],
  ['write-ahead batch record (write, fsync, rename, folder fsync)', 'persist', 'persisted'],
  ['dispatch: bind the workflow, prompt id on disk', 'persisted', 'post'],
  ['  of which the prompt id record (save)', 'save', 'saved'],
  ['POST /prompt', 'post', 'posted'],
  ['ComfyUI picks the prompt up (its clock)', 'posted', 'comfy-start'],
  ['terminal websocket event reaches the bridge', 'comfy-end', 'ws-terminal'],
  ['/history (only if outputs were missing) and /view download', 'ws-terminal', 'deliver'],
  ['save path re-check', 'deliver', 'path-checked'],
  ['render (size, format, metadata)', 'path-checked', 'rendered'],
  ['temp file written', 'rendered', 'written'],
  ['fsync of the file', 'written', 'synced'],
  ['link / rename into place', 'synced', 'placed'],
  ['folder fsync and path re-check', 'placed', 'folder-synced'],
  ['gallery record', 'folder-synced', 'recorded'],
  ['scheduler, MCP answer to the client', 'recorded', 'answer'],
];

export interface StepFigure {
  label: string;
  p50: number;
  p95: number;
  calls: number;
}

export function breakdown(calls: readonly CallMarks[]): StepFigure[] {
  const figures: StepFigure[] = [];
  for (const [label, from, to] of steps) {
    const durations = calls.flatMap((marks) => {
      const start = marks.get(from);
      const end = marks.get(to);
      return start === undefined || end === undefined ? [] : [end - start];
    });
    if (durations.length === 0) continue;
    figures.push({
      label,
      p50: median(durations),
      p95: percentile(durations, 95),
      calls: durations.length,
    });
  }
  return figures;
}

export function breakdownLines(title: string, figures: readonly StepFigure[]): string[] {
  return [
    `  ${title}: step (from one mark to the next)                          p50 ms   p95 ms`,
    ...figures.map(
      (figure) =>
        `    ${figure.label.padEnd(66)} ${figure.p50.toFixed(1).padStart(7)} ${figure.p95.toFixed(1).padStart(8)}` +
        (figure.calls < 2 ? `  (${figure.calls} call)` : ''),
    ),
  ];
}
