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

/**
 * The steps, in the order of a call that runs them one after another. A step's end (or start) may name
 * alternatives, the first present counting: builds before issue 16 mark the end of the download as `deliver`
 * and the render's start as `path-checked` (the save path was checked after the download, not during it).
 */
const steps: readonly [label: string, from: string | string[], to: string | string[]][] = [
  ['MCP request, validation, paths', 'request', 'persist'],
  ['write-ahead batch record (write, fsync, rename, folder fsync)', 'persist', 'persisted'],
  ['record on disk → POST starts (negative: POST sent during the write)', 'persisted', 'post'],
  ['  of which a second batch write (prompt id record)', 'save', 'saved'],
  ['POST /prompt', 'post', 'posted'],
  ['ComfyUI picks the prompt up (its clock)', 'posted', 'comfy-start'],
  ['terminal websocket event reaches the bridge', 'comfy-end', 'ws-terminal'],
  ['/history (only if outputs were missing) and /view download', 'ws-terminal', ['downloaded', 'deliver']],
  [
    'save path re-check (what is left of it after the download)',
    ['downloaded', 'deliver'],
    ['render', 'path-checked'],
  ],
  ['render (size, format, metadata)', ['render', 'path-checked'], 'rendered'],
  ['temp file written', 'rendered', 'written'],
  ['fsync of the file', 'written', 'synced'],
  ['link / rename into place', 'synced', 'placed'],
  ['folder fsync and path re-check', 'placed', 'folder-synced'],
  ['gallery record', 'folder-synced', 'recorded'],
  ['scheduler, MCP answer to the client', 'recorded', 'answer'],
];

function markOf(marks: CallMarks, names: string | string[]): number | undefined {
  for (const name of typeof names === 'string' ? [names] : names) {
    const at = marks.get(name);
    if (at !== undefined) return at;
  }
  return undefined;
}

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
      const start = markOf(marks, from);
      const end = markOf(marks, to);
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
