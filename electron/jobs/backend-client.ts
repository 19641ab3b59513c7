import { ComfyError } from '../comfy/errors.js';
import type { ApiGraph, ImageRef, ObjectInfo, QueueState, RunResult, SystemStats } from '../comfy/types.js';

/*
 * The pool's side of the ComfyUI client (comfy/client.ts): what the scheduler calls on a backend, how a backend's
 * URL is keyed, and how a failure to reach it is put to a person. Tests hand the pool their own BackendClient.
 */

/** The part of the ComfyUI client the scheduler uses. */
export interface BackendClient {
  readonly baseUrl: string;
  readonly connected: boolean;
  connect(): Promise<void>;
  close(): Promise<void>;
  systemStats(signal?: AbortSignal): Promise<SystemStats>;
  objectInfo(signal?: AbortSignal): Promise<ObjectInfo>;
  queue(): Promise<QueueState>;
  history(promptId: string): Promise<RunResult | undefined>;
  submit(
    graph: ApiGraph,
    options: { promptId: string; front?: boolean },
  ): Promise<{ promptId: string; number: number; nodeErrors: Record<string, unknown> }>;
  waitFor(promptId: string, options?: { signal?: AbortSignal }): Promise<RunResult>;
  interrupt(promptId?: string): Promise<void>;
  deleteQueued(promptIds: string[]): Promise<void>;
  view(ref: ImageRef, signal?: AbortSignal, onChunk?: (chunk: Buffer) => void): Promise<Buffer>;
  uploadImage(
    bytes: Buffer,
    name: string,
    options?: { overwrite?: boolean; subfolder?: string; type?: 'input' | 'temp' },
  ): Promise<ImageRef>;
  on(
    event: 'progress',
    listener: (e: { promptId: string; node: string; value: number; max: number }) => void,
  ): unknown;
  on(event: 'started', listener: (e: { promptId: string }) => void): unknown;
  on(event: 'executing', listener: (e: { promptId: string; node: string | null }) => void): unknown;
  on(event: 'preview', listener: (e: { promptId?: string; mime: string; bytes: Buffer }) => void): unknown;
  on(event: 'status', listener: (e: { queueRemaining: number }) => void): unknown;
  on(event: 'connection', listener: (e: { connected: boolean }) => void): unknown;
}

export function normaliseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Why a backend is unavailable, in words a person can act on. */
export function describeProblem(url: string, error: unknown): string {
  // The client's own errors already name the URL and the remedy; wrapping them said everything twice.
  if (error instanceof ComfyError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `ComfyUI at ${url} does not answer (${message}). Start ComfyUI, or check the URL in settings (ComfyUI Desktop listens on port 8000).`;
}
