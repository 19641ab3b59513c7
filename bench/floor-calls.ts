/**
 * The no-work tool calls the overhead bench makes among its generate_image calls, one of each in turn: the
 * bridge's own (`list_generated_images`, what any call costs through the SDK's client and server here), the same
 * call to a server with nothing of the bridge in it (bench/bare-mcp-server.ts: the protocol's floor, what no
 * server built on this SDK can take off) and its result over plain HTTP from that process (the transport's floor,
 * so the SDK's share can be told from loopback HTTP's on this machine).
 */
import { connectClient, rawToolCaller, type BenchClient } from './mcp.js';
import { startBareMcpProcess } from './processes.js';
import type { Figure } from './report.js';
import { median, percentile } from './stats.js';

export interface FloorCalls {
  /** One call of each, taking turns at going first, then second, then third. */
  call(): Promise<void>;
  /** The figures of the calls made since the last time (none if there were none), for `among` (a format). */
  takeFigures(among: string): Figure[];
  stop(): Promise<void>;
}

export async function startFloorCalls(bridge: BenchClient, warmUpCalls: number): Promise<FloorCalls> {
  const server = await startBareMcpProcess();
  let client: BenchClient | undefined;
  try {
    client = await connectClient(server.mcpUrl);
    // As for the bridge: the client knows the tool's output schema (tools/list), and the server is warm.
    await client.toolsListBytes();
    for (let index = 0; index < warmUpCalls; index++) await client.call(server.toolName, {});
  } catch (error) {
    await client?.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
  const bare = client;
  const raw = rawToolCaller(server.rawUrl, server.toolName);
  for (let index = 0; index < warmUpCalls; index++) await raw();

  let ours: number[] = [];
  let theirs: number[] = [];
  let plain: number[] = [];
  const timed = async (calls: number[], call: () => Promise<unknown>) => {
    const started = performance.now();
    await call();
    calls.push(performance.now() - started);
  };
  const turns = [
    () => timed(ours, () => bridge.call('list_generated_images', { limit: 1 })),
    () => timed(theirs, () => bare.call(server.toolName, { limit: 1 })),
    () => timed(plain, raw),
  ];
  return {
    async call() {
      const first = ours.length % turns.length;
      for (let turn = 0; turn < turns.length; turn++) await turns[(first + turn) % turns.length]!();
    },
    takeFigures(among) {
      const figures: Figure[] =
        ours.length === 0
          ? []
          : [
              {
                name: 'MCP tool call round trip, no work (list_generated_images, limit 1), p50',
                value: median(ours),
                unit: 'ms',
                note: `${ours.length} calls among the ${among} ones, p95 ${percentile(ours, 95).toFixed(1)} ms: the protocol's own share of the added time`,
              },
              {
                name: 'MCP tool call round trip, no work, bare SDK server (the floor), p50',
                value: median(theirs),
                unit: 'ms',
                note: `${theirs.length} calls, each beside one of the above, p95 ${percentile(theirs, 95).toFixed(1)} ms: the same client and SDK with nothing of the bridge (bench/bare-mcp-server.ts)`,
              },
              {
                name: 'The same call over plain HTTP, no SDK (the transport floor), p50',
                value: median(plain),
                unit: 'ms',
                note: `${plain.length} calls, each beside the above, p95 ${percentile(plain, 95).toFixed(1)} ms: fetch and Node's http on loopback after the same idle (bench/bare-mcp-server.ts's /raw)`,
              },
            ];
      ours = [];
      theirs = [];
      plain = [];
      return figures;
    },
    async stop() {
      await bare.close().catch(() => undefined);
      await server.stop();
    },
  };
}
