import { ComfyHttp } from './http.js';
import { decodeSystemStats } from './parse.js';

export const defaultComfyCandidates = ['http://127.0.0.1:8188', 'http://127.0.0.1:8000'] as const;

/**
 * Finds a running ComfyUI: probes every candidate's /system_stats at once and returns the first candidate, in the
 * given order, that answers like ComfyUI. Default candidates: the usual port 8188, then ComfyUI Desktop's 8000.
 */
export async function discoverComfyUrl(
  options: { candidates?: string[]; timeoutMs?: number } = {},
): Promise<string | undefined> {
  const candidates = options.candidates ?? [...defaultComfyCandidates];
  const answers = await Promise.all(candidates.map((url) => isComfyUI(url, options.timeoutMs ?? 1500)));
  return candidates.find((_, index) => answers[index]);
}

async function isComfyUI(baseUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    const http = new ComfyHttp({ baseUrl, timeoutMs });
    decodeSystemStats(await http.getJson('/system_stats'));
    return true;
  } catch {
    return false;
  }
}
