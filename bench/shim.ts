/**
 * Start-up of the stdio launcher shim as an agent client sees it: the client spawns `comfyui-mcp-bridge stdio`,
 * writes `initialize` at once and waits for the answer (Claude Code gives up after about 1.5 s, Codex after
 * about 1 s). Measured from spawn() to the answer line on stdout, then on to the answer to tools/list (the
 * shim fully loaded), in both modes: forwarding to a running `serve`, and hosting the core in-process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { repoRoot } from './paths.js';
import type { Figure } from './report.js';
import { percentile } from './stats.js';

export interface ShimStartup {
  /** spawn() to the initialize answer. */
  initializeMs: number;
  /** spawn() to the tools/list answer (sent right after the initialize answer). */
  toolsListMs: number;
}

const answerTimeoutMs = 30_000;
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'bridge-bench', version: '1' },
  },
};

/** One spawn of the shim with `args` after `stdio`; `bin` defaults to this checkout's command. */
export function timeShimStartup(
  args: readonly string[],
  bin = `${repoRoot}/bin/comfyui-mcp-bridge.js`,
): Promise<ShimStartup> {
  return timeStartup([bin, 'stdio', ...args]);
}

/**
 * The floor under any Node stdio server on this machine: one CommonJS file that answers each request with an
 * empty result. What the shim takes beyond this is the bridge's own start-up.
 */
export const floorScript = `require('node:readline')
  .createInterface({ input: process.stdin })
  .on('line', (line) => {
    const { id } = JSON.parse(line);
    if (id !== undefined) process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result: {} }) + '\\n');
  });
`;

/**
 * Node parses the CA bundle NODE_EXTRA_CA_CERTS names before running any script (Node 20): on this machine's
 * sandbox it is set and costs every Node process about 85 ms, the bridge's code untouched.
 */
function extraCaCertsNote(): string {
  const bundle = process.env.NODE_EXTRA_CA_CERTS;
  return bundle === undefined || bundle === ''
    ? 'NODE_EXTRA_CA_CERTS unset'
    : `NODE_EXTRA_CA_CERTS=${bundle} is set: Node parses that bundle before any script runs`;
}

/** One spawn of `node argv…`, timed from spawn() to the answers to initialize and tools/list. */
export async function timeStartup(argv: readonly string[]): Promise<ShimStartup> {
  const started = performance.now();
  const child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  const exited = once(child, 'exit');
  const answered = new Map<number, (elapsedMs: number) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    if (typeof id === 'number') answered.get(id)?.(performance.now() - started);
  });
  const answerTo = (id: number) =>
    Promise.race([
      new Promise<number>((resolve) => answered.set(id, resolve)),
      exited.then(() => Promise.reject(new Error(`the shim exited before answering request ${id}`))),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no answer to request ${id} in ${answerTimeoutMs} ms`)),
          answerTimeoutMs,
        ).unref(),
      ),
    ]).catch((error: unknown) => {
      throw new Error(`${String(error)}; the shim's stderr:\n${stderr}`);
    });
  try {
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    const initializeMs = await answerTo(1);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
    const toolsListMs = await answerTo(2);
    return { initializeMs, toolsListMs };
  } finally {
    child.stdin.end();
    const forced = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited.catch(() => undefined);
    clearTimeout(forced);
  }
}

/** The figures of `runs` start-ups in one mode: initialize p50 and p95 against the target, tools/list p50. */
export function shimFigures(
  mode: 'forwarding' | 'in-process',
  runs: readonly ShimStartup[],
  limitMs: number,
): Figure[] {
  const initializeTimes = runs.map((run) => run.initializeMs);
  const toolsListTimes = runs.map((run) => run.toolsListMs);
  const target = { limit: limitMs, kind: 'max' as const };
  return [
    {
      name: `stdio shim ${mode}: spawn to initialize answer, p50 of ${runs.length}`,
      value: percentile(initializeTimes, 50),
      unit: 'ms',
      target,
      note: `runs ${list(initializeTimes)} ms`,
    },
    {
      name: `stdio shim ${mode}: spawn to initialize answer, p95 of ${runs.length}`,
      value: percentile(initializeTimes, 95),
      unit: 'ms',
      target,
    },
    {
      name: `stdio shim ${mode}: spawn to tools/list answer, p50 of ${runs.length}`,
      value: percentile(toolsListTimes, 50),
      unit: 'ms',
      note: `fully loaded; runs ${list(toolsListTimes)} ms`,
    },
  ];
}

/** The floor's figure: `runs` spawns of floorScript, initialize p50, no target (it is not the bridge's code). */
export function floorFigure(runs: readonly ShimStartup[]): Figure {
  const initializeTimes = runs.map((run) => run.initializeMs);
  return {
    name: `Node alone (one-file script): spawn to initialize answer, p50 of ${runs.length}`,
    value: percentile(initializeTimes, 50),
    unit: 'ms',
    note: `the floor under the shim; ${extraCaCertsNote()}; runs ${list(initializeTimes)} ms`,
  };
}

function list(times: readonly number[]): string {
  return times.map((time) => time.toFixed(0)).join(', ');
}
