import type { RunResult } from '../comfy/types.js';
import type { BackendClient } from './backend-pool.js';

/**
 * Whether ComfyUI has a prompt: still queued or running, finished (its result), or absent; rejects when it
 * cannot be asked. The queue is read first: ComfyUI moves a prompt from its queue into its history atomically,
 * so "not queued" followed by "no history" means it does not have it (read the other way round, a run that
 * finishes between the two reads would look lost).
 */
export async function lookUp(
  client: BackendClient,
  promptId: string,
): Promise<'queued' | 'absent' | RunResult> {
  const queue = await client.queue();
  if ([...queue.running, ...queue.pending].some((entry) => entry.promptId === promptId)) return 'queued';
  return (await client.history(promptId)) ?? 'absent';
}
