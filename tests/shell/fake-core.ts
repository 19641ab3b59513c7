/**
 * A core stand-in that behaves like the real one where the shell depends on it: a real HTTP server (the
 * dashboard address) and a batch persisted with the real BatchStore when stop() runs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CoreHandle, CoreStartOptions, CoreState } from '../../electron/core-handle.js';
import { BatchStore } from '../../electron/jobs/batch-store.js';
import type { BatchRecord } from '../../electron/jobs/types.js';
import { silentLogger } from '../../electron/log.js';

export interface FakeCore extends CoreHandle {
  readonly startOptions: CoreStartOptions;
  readonly port: number;
  stopCalls: number;
  /** Resolves stop() once called: lets a test observe the app while the core is still stopping. */
  releaseStop(): void;
  setState(next: Partial<CoreState>): void;
  /** What lastImage() answers: the core's check of the newest image's file (undefined: gone). */
  checkedLastImage: string | undefined;
}

export function unfinishedBatch(): BatchRecord {
  const now = new Date().toISOString();
  const job = (index: number, state: 'completed' | 'pending') => ({
    id: `job-${index}`,
    index,
    spec: {
      prompt: 'a lighthouse at dusk',
      negativePrompt: '',
      width: 512,
      height: 512,
      seed: index,
      format: 'png' as const,
      workflow: 'sdxl',
      savePath: `/tmp/hero-${index}.png`,
      allowedRoots: ['/tmp'],
      overwrite: false,
    },
    state,
    attempts: state === 'completed' ? 1 : 0,
    updatedAt: now,
  });
  return { id: 'batch-1', priority: 'batch', createdAt: now, jobs: [job(0, 'completed'), job(1, 'pending')] };
}

export async function startFakeCore(
  options: CoreStartOptions,
  control: { holdStop: boolean } = { holdStop: false },
): Promise<FakeCore> {
  const server = createServer((_request, response) =>
    response.end('<!doctype html><title>dashboard</title>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const store = new BatchStore(options.dataDir, silentLogger);
  const batch = unfinishedBatch();
  let state: CoreState = {
    backends: [{ url: 'http://127.0.0.1:8188', reachable: true }],
    running: 0,
    pending: 0,
    paused: false,
  };
  const listeners = new Set<() => void>();
  let release: () => void = () => undefined;
  const released = control.holdStop ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();

  const core: FakeCore = {
    startOptions: options,
    port,
    stopCalls: 0,
    mcpUrl: `http://127.0.0.1:${port}/mcp`,
    dashboardUrl: `http://127.0.0.1:${port}/?token=secret-token`,
    // A first run: the core chose the checklist as the page to open on.
    startPageUrl: `http://127.0.0.1:${port}/?token=secret-token#/checklist`,
    outputDir: `${options.dataDir}/output`,
    state: () => state,
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setPaused(paused) {
      core.setState({ paused });
    },
    checkedLastImage: undefined,
    lastImage: () => Promise.resolve(core.checkedLastImage),
    setState(next) {
      state = { ...state, ...next };
      for (const listener of listeners) listener();
    },
    releaseStop: () => release(),
    async stop() {
      core.stopCalls += 1;
      await released;
      await store.save(batch);
      await store.flush();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
  return core;
}
