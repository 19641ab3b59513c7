/** One `serve` process with its fake ComfyUIs and an MCP client: what each generation scenario runs against. */
import { connectClient, type BenchClient } from './mcp.js';
import { startFakeProcess, startServeProcess, type RunningFake, type RunningServe } from './processes.js';
import type { Workspace } from './workspace.js';

/**
 * SDXL's native size is 1024², so the fake returns a real 1024² PNG and the figures measure the bridge, not a
 * resize: asking SD 1.5 (native 512²) for 1024² rightly generates small and upscales.
 */
export const benchModels = { checkpoints: ['sd_xl_base_1.0.safetensors'] };
export const benchWorkflow = 'sdxl';

export interface GenerationSettings {
  /** Per sampler step; the bundled SDXL workflow samples its own number of steps. */
  stepMs: number;
  backends: number;
  /** What the fake ComfyUI saves; default noise like a generation (`textured`). */
  images?: true | 'photo';
  /** Another built checkout to run `serve` from (an A/B against this one). */
  checkout?: string;
  /** Collect each job's phase timeline (serve at --log-level debug). */
  timelines?: boolean;
}

export interface Session {
  serve: RunningServe;
  fakes: RunningFake[];
  client: BenchClient;
  outputDir: string;
  stop(): Promise<void>;
}

export async function startSession(
  workspace: Workspace,
  name: string,
  settings: GenerationSettings,
): Promise<Session> {
  const fakes = await Promise.all(
    Array.from({ length: settings.backends }, () =>
      startFakeProcess({ models: benchModels, stepMs: settings.stepMs, textured: settings.images ?? true }),
    ),
  );
  const outputDir = workspace.dir(name, 'out');
  let serve: RunningServe | undefined;
  let client: BenchClient | undefined;
  const stop = async () => {
    await client?.close().catch(() => undefined);
    await serve?.stop();
    await Promise.all(fakes.map((fake) => fake.stop()));
  };
  try {
    serve = await startServeProcess({
      comfyuiUrls: fakes.map((fake) => fake.url),
      dataDir: workspace.dir(name, 'data'),
      outputDir,
      workflow: benchWorkflow,
      ...(settings.checkout === undefined ? {} : { root: settings.checkout }),
      ...(settings.timelines ? { timelines: true } : {}),
    });
    client = await connectClient(serve.mcpUrl, serve.mcpToken);
    await waitUntilReady(client, settings.backends);
    return { serve, fakes, client, outputDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Until every backend is reachable and can run the default workflow (health checks run on their own timer). */
export async function waitUntilReady(client: BenchClient, backends: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const status = (await client.call('check_comfyui_status', {})) as {
      backends: { reachable: boolean; default_workflow?: { can_run: boolean } }[];
    };
    const ready = status.backends.filter((backend) => backend.reachable && backend.default_workflow?.can_run);
    if (ready.length === backends) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the bridge did not see ${backends} ready ComfyUI backend(s) within 10 s`);
}
