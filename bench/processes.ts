/** The processes a benchmark drives: the built `serve` and fake ComfyUIs, each in its own process. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { readStoredToken } from '../electron/cli/stored-token.js';
import { parseTimelineLine, type PhaseMark } from './breakdown.js';
import { bridgeRoot, buildRoot } from './paths.js';

export interface Running {
  readonly pid: number;
  stop(): Promise<void>;
}

export interface RunningFake extends Running {
  readonly url: string;
}

export interface RunningServe extends Running {
  /** Each job's phase timeline (electron/phase-timeline.ts), by job id: only with `timelines: true`. */
  readonly timelines: Map<string, PhaseMark[]>;
  readonly mcpUrl: string;
  /** The bearer token /mcp requires (generated at first start into the data folder's settings). */
  readonly mcpToken: string | undefined;
  readonly dashboardUrl: string;
  /** From spawn() to the last ready line on stdout. */
  readonly startupMs: number;
  /** Resident set size now, in bytes. */
  rss(): number;
}

const readyTimeoutMs = 30_000;

export interface FakeProcessOptions {
  models?: Record<string, string[]>;
  stepMs?: number;
  /** See FakeComfyUIOptions: noise like a generation, or a photographic-like scene ('photo'). */
  textured?: boolean | 'photo';
}

export async function startFakeProcess(options: FakeProcessOptions): Promise<RunningFake> {
  const child = spawn(process.execPath, [`${buildRoot}/bench/fake-process.js`, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [line] = await readyLines(child, 1, 'fake ComfyUI');
  return { url: line!.replace('FAKE_COMFYUI ', ''), pid: child.pid!, stop: () => stopChild(child) };
}

export interface RunningBareMcp extends Running {
  readonly mcpUrl: string;
  /** Its one tool, which does no work. */
  readonly toolName: string;
  /** The same process answering a tool call's result over plain HTTP, with no SDK: the transport's floor. */
  readonly rawUrl: string;
}

/** An MCP server with nothing of the bridge in it (bench/bare-mcp-server.ts): the protocol's floor. */
export async function startBareMcpProcess(): Promise<RunningBareMcp> {
  const child = spawn(process.execPath, [`${buildRoot}/bench/bare-mcp-server.js`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [line] = await readyLines(child, 1, 'bare MCP server');
  const [, mcpUrl, toolName, rawUrl] = line!.split(' ');
  return {
    mcpUrl: mcpUrl!,
    toolName: toolName!,
    rawUrl: rawUrl!,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

export interface ServeOptions {
  comfyuiUrls: string[];
  dataDir: string;
  outputDir: string;
  workflowsDir?: string;
  workflow?: string;
  /** The checkout whose built `serve` runs; default this one (another build, for an A/B of two). */
  root?: string;
  /** Run at --log-level debug and collect every job's phase timeline. */
  timelines?: boolean;
}

export async function startServeProcess(options: ServeOptions): Promise<RunningServe> {
  const args = [
    // e.g. BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server (not the bench).
    ...(process.env.BENCH_SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    `${options.root ?? bridgeRoot}/bin/comfyui-mcp-bridge.js`,
    'serve',
    '--port',
    '0',
    '--data-dir',
    options.dataDir,
    '--output-dir',
    options.outputDir,
    '--log-level',
    options.timelines ? 'debug' : 'warn',
    ...options.comfyuiUrls.flatMap((url) => ['--comfyui', url]),
    ...(options.workflowsDir ? ['--workflows-dir', options.workflowsDir] : []),
    ...(options.workflow ? ['--workflow', options.workflow] : []),
  ];
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const timelines = new Map<string, PhaseMark[]>();
  if (options.timelines) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      const timeline = parseTimelineLine(line);
      if (timeline) timelines.set(timeline.job, timeline.marks);
    });
  }
  const lines = await readyLines(child, 2, 'serve');
  const startupMs = performance.now() - started;
  const value = (prefix: string) => {
    const line = lines.find((candidate) => candidate.startsWith(prefix));
    if (!line) throw new Error(`serve printed no "${prefix}" line; it printed: ${lines.join(' | ')}`);
    return line.slice(prefix.length).trim();
  };
  const pid = child.pid!;
  return {
    pid,
    mcpUrl: value('MCP endpoint:'),
    mcpToken: readStoredToken(options.dataDir),
    dashboardUrl: value('Dashboard:'),
    startupMs,
    timelines,
    rss: () => residentBytes(pid),
    stop: () => stopChild(child),
  };
}

/**
 * The first `count` stdout lines, or an error (with the end of its stderr) if the process exits or stays silent
 * too long. Its stderr is kept, not shown: a bridge logs warnings such as a backend dropping while it stops.
 */
async function readyLines(child: ChildProcess, count: number, name: string): Promise<string[]> {
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  const timeout = AbortSignal.timeout(readyTimeoutMs);
  const exited = once(child, 'exit', { signal: timeout }).then(([code]) => {
    throw new Error(`${name} exited with code ${String(code)} before it was ready`);
  });
  const ready = (async () => {
    for await (const line of reader) {
      lines.push(line);
      if (lines.length === count) return lines;
    }
    throw new Error(`${name} closed stdout before it was ready`);
  })();
  try {
    return await Promise.race([ready, exited]);
  } catch (error) {
    child.kill('SIGKILL');
    const reason = timeout.aborted
      ? `${name} printed no ready line within ${readyTimeoutMs} ms`
      : String(error);
    throw new Error(`${reason}\n${name} stderr:\n${stderr}`);
  } finally {
    // Keep draining stdout so the child never blocks on a full pipe.
    child.stdout!.resume();
    exited.catch(() => undefined);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(forced);
}

/** VmRSS from /proc on Linux; `ps` elsewhere. */
function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux: fall through to ps
  }
  return psRss(pid);
}

function psRss(pid: number): number {
  const output = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).stdout;
  return Number(output.trim()) * 1024;
}
