import { afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startCore, type Core, type CoreOptions } from '../../electron/core.js';
import { createLogger, type Logger } from '../../electron/log.js';
import type { ProgressUpdate, ToolContext } from '../../electron/mcp/service.js';
import { createSettings, memoryStore } from '../../electron/settings.js';
import type { SettingsPatch } from '../../shared/settings.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';

export const bundledWorkflowsDir = resolve(import.meta.dirname, '..', '..', 'workflows');
export const sd15Models = { checkpoints: ['v1-5-pruned-emaonly-fp16.safetensors'] };

/** A fake ComfyUI with the SD 1.5 checkpoint, sampling quickly. */
export function startSd15Fake(stepMs = 2): Promise<FakeComfyUI> {
  return startFakeComfyUI({ models: sd15Models, stepMs });
}

export interface CoreFixture {
  core: Core;
  dataDir: string;
  outputDir: string;
}

/**
 * A real core on a temp data folder, bound to 127.0.0.1:0, with fast health checks for tests; `tuning`
 * overrides any of the core's timing knobs (the job timeout, for a backend that never finishes).
 */
export async function startTestCore(options: {
  urls: string[];
  dataDir?: string;
  outputDir?: string;
  settings?: SettingsPatch;
  tuning?: CoreOptions['tuning'];
  /** Default: errors only (all levels with BRIDGE_TEST_LOGS set); tests that read the log pass their own. */
  logger?: Logger;
  /** serverInfo.version of its MCP server. */
  version?: string;
  /** Default: the headless desktop, as `serve` has. */
  desktop?: CoreOptions['desktop'];
  /** Where the dashboard looks for a built .mcpb; default none (not this checkout's release/). */
  mcpbDirs?: readonly string[];
  /** Default: the repository's workflows/. */
  bundledWorkflowsDir?: string;
}): Promise<CoreFixture> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'bridge-data-'));
  const outputDir = options.outputDir ?? mkdtempSync(join(tmpdir(), 'bridge-out-'));
  const logger = options.logger ?? createLogger({ level: process.env.BRIDGE_TEST_LOGS ? 'debug' : 'error' });
  // Stored (in memory), not overrides: overrides stand for command-line flags, which the dashboard cannot change.
  const settings = createSettings({
    store: memoryStore({ comfyuiUrls: options.urls, port: 0, outputDir, ...options.settings }),
    logger,
  });
  const core = await startCore({
    settings,
    dataDir,
    bundledWorkflowsDir: options.bundledWorkflowsDir ?? bundledWorkflowsDir,
    logger,
    tuning: { healthIntervalMs: 100, failoverAfterMs: 600, heartbeatMs: 200, ...options.tuning },
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.desktop ? { desktop: options.desktop } : {}),
    mcpbDirs: options.mcpbDirs ?? [],
  });
  return { core, dataDir, outputDir };
}

/**
 * An SD 1.5 fake and a core bound to it, both stopped after the test (`cleanups`: cleanupsAfterEach's), once the
 * core sees the backend up.
 */
export async function startCoreOnSd15Fake(
  cleanups: (() => Promise<void> | void)[],
  folders: { dataDir: string; outputDir: string },
): Promise<{ fake: FakeComfyUI; fixture: CoreFixture }> {
  const fake = await startSd15Fake();
  cleanups.push(() => fake.close());
  const fixture = await startTestCore({ urls: [fake.url], ...folders });
  cleanups.push(() => fixture.core.stop());
  await until(() => fixture.core.pool.loads().some((load) => load.available), 'the backend is up');
  return { fake, fixture };
}

export function toolContext(options: { roots?: string[]; signal?: AbortSignal } = {}) {
  const updates: ProgressUpdate[] = [];
  const ctx: ToolContext = {
    signal: options.signal ?? new AbortController().signal,
    roots: options.roots ?? [],
    progress: (update) => updates.push(update),
  };
  return { ctx, updates };
}

/** A 64² generate_image call with the bundled sd15 workflow, as the core's delivery tests make it. */
export function generateSd15(fixture: CoreFixture, prompt: string, savePath?: string) {
  return fixture.core.service.generateImage(
    {
      prompt,
      workflow: 'sd15',
      width: 64,
      height: 64,
      ...(savePath === undefined ? {} : { save_path: savePath }),
      wait_seconds: 60,
    },
    toolContext().ctx,
  );
}

/** Polls until the condition holds; fails with the description after the deadline. */
export async function until(
  condition: () => boolean,
  description: string,
  timeoutMs = 20_000,
): Promise<void> {
  // performance.now, not Date: tests step the wall clock (vi.setSystemTime) to show the bridge ignores it.
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for: ${description}`);
    await new Promise((resolveTimer) => setTimeout(resolveTimer, 20));
  }
}

export function removeDirs(...dirs: string[]): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/** Clean-ups a test file's tests register as they go; each runs after its test, the last registered first. */
export function cleanupsAfterEach(): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}

/** A test file's scratch folders: `tempDir()` makes one, `removeTempDirs()` (in afterAll) removes them all. */
export function tempDirs(defaultPrefix = 'bridge-test-') {
  const made: string[] = [];
  return {
    tempDir: (prefix = defaultPrefix): string => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    removeTempDirs: (): void => removeDirs(...made.splice(0)),
  };
}
