/**
 * What the fake ComfyUI itself recorded: each run's execution_start and terminal-event timestamps, read back
 * from GET /history. Its clock is the GPU's view of the work: busy time and the idle gaps between runs.
 */

export interface Run {
  promptId: string;
  startMs: number;
  endMs: number;
}

type HistoryMessages = [string, { timestamp?: number }][];
const terminalEvents = new Set(['execution_success', 'execution_error', 'execution_interrupted']);

export async function fetchRuns(comfyUrl: string): Promise<Run[]> {
  const response = await fetch(`${comfyUrl}/history`);
  if (!response.ok) throw new Error(`GET ${comfyUrl}/history answered ${response.status}`);
  const history = (await response.json()) as Record<string, { status?: { messages?: HistoryMessages } }>;
  return runsFromHistory(history);
}

export function runsFromHistory(history: Record<string, { status?: { messages?: HistoryMessages } }>): Run[] {
  const runs: Run[] = [];
  for (const [promptId, entry] of Object.entries(history)) {
    const messages = entry.status?.messages ?? [];
    const start = messages.find(([type]) => type === 'execution_start')?.[1].timestamp;
    const end = messages.find(([type]) => terminalEvents.has(type))?.[1].timestamp;
    if (start !== undefined && end !== undefined) runs.push({ promptId, startMs: start, endMs: end });
  }
  return runs.sort((a, b) => a.startMs - b.startMs);
}

/** Idle time between one run's terminal event and the next run's start, on one ComfyUI. */
export function dispatchGaps(runs: readonly Run[]): number[] {
  const gaps: number[] = [];
  for (let index = 1; index < runs.length; index++) {
    gaps.push(runs[index]!.startMs - runs[index - 1]!.endMs);
  }
  return gaps;
}

export const busyMs = (run: Run): number => run.endMs - run.startMs;
