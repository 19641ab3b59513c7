import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { mcpTokenOf, startServe, type ServeProcess } from '../cli/built-cli.js';
import { removeDirs, startSd15Fake, until } from '../core/harness.js';
import { connect, type E2eClient, type Era, type Progress } from '../mcp-e2e/clients.js';
import { isolatedEnv, mcpRemote, runnable } from './third-party.js';

/*
 * mcp-remote, the stdio proxy that stdio-only clients (Claude Desktop among them) put in front of an HTTP
 * MCP server, between a real MCP client and the built `serve` with the bearer token header, configured as
 * its README says. Through it: the tool list, a generate_image with its step progress and the client's
 * roots, and long waits with the bridge's real heartbeat (5 s), which must reach the client at least every
 * 10 s while ComfyUI holds the job running (Claude Code closes a call that has been silent for 60 s).
 */

const size = { workflow: 'sd15', width: 64, height: 64 };
const maxSilenceMs = 10_000;
/** How long a held job is kept running: past the longest silence allowed, so a missing heartbeat shows. */
const holdMs = maxSilenceMs + 2_000;

interface Heard extends Progress {
  at: number;
}

function recorder() {
  const heard: Heard[] = [];
  return { heard, onprogress: (update: Progress) => heard.push({ ...update, at: Date.now() }) };
}

/** The longest time the call went without a notification: from its start, between them, and to its end. */
function longestSilence(startedAt: number, heard: readonly Heard[], endedAt: number): number {
  const moments = [startedAt, ...heard.map((update) => update.at), endedAt];
  return Math.max(...moments.slice(1).map((moment, index) => moment - moments[index]!));
}

describe.skipIf(!runnable(mcpRemote))('mcp-remote in front of the HTTP endpoint', () => {
  let fake: FakeComfyUI;
  let serve: ServeProcess;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let project: string;
  let client: E2eClient | undefined;
  const dirs: string[] = [];

  beforeAll(async () => {
    fake = await startSd15Fake(2);
    const dataDir = mkdtempSync(join(tmpdir(), 'bridge-interop-data-'));
    const outputDir = mkdtempSync(join(tmpdir(), 'bridge-interop-out-'));
    project = mkdtempSync(join(tmpdir(), 'bridge-interop-project-'));
    ({ home, env } = isolatedEnv());
    dirs.push(dataDir, outputDir, project, home);
    serve = await startServe([
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--output-dir',
      outputDir,
      '--comfyui',
      fake.url,
      '--log-level',
      'warn',
    ]);
    const token = mcpTokenOf(dataDir);
    if (token === undefined) throw new Error('serve wrote no /mcp token to its endpoint record');
    env.BRIDGE_TOKEN = token;
  });
  afterEach(async () => {
    fake.holdSampling(false);
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await serve?.stop();
    await fake?.close();
    removeDirs(...dirs);
  });

  /** A client whose server is `mcp-remote <url> --header "Authorization: Bearer …"`, as a user configures it. */
  const open = async (era: Era) => {
    const [command, ...prefix] = mcpRemote.command;
    client = await connect(era, 'stdio', {
      roots: [project],
      server: {
        command: command!,
        args: [...prefix, serve.mcpUrl, '--header', `Authorization: Bearer ${env.BRIDGE_TOKEN}`],
        env: env as Record<string, string>,
      },
    });
    return client;
  };
  const failureContext = () =>
    `mcp-remote stderr:\n${client?.stderr() ?? ''}\nserve stderr:\n${serve.stderr()}`;

  it.each(['2025', '2026'] as Era[])(
    '%s-era client: lists the tools and generates an image with step progress, saved under its root',
    async (era) => {
      const agent = await open(era);
      const names = (await agent.listTools()).tools.map((tool) => tool.name);
      expect(names, failureContext()).toContain('generate_image');
      expect(names).toHaveLength(8);

      const { heard, onprogress } = recorder();
      const result = await agent.call(
        'generate_image',
        {
          prompt: `a lighthouse through a proxy, ${era}`,
          save_path: `assets/lighthouse-${era}.png`,
          ...size,
        },
        { onprogress },
      );
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        status: 'completed',
        images: [{ path: join(project, 'assets', `lighthouse-${era}.png`), width: 64, height: 64 }],
      });
      expect(existsSync(join(project, 'assets', `lighthouse-${era}.png`))).toBe(true);
      expect(heard.some((update) => /^step \d+\/20/.test(update.message ?? ''))).toBe(true);
    },
  );

  it('a generate_image wait on a job ComfyUI holds running hears progress at least every 10 s', async () => {
    const agent = await open('2025');
    fake.holdSampling(true);
    const { heard, onprogress } = recorder();
    const startedAt = Date.now();
    const call = agent.call(
      'generate_image',
      { prompt: 'a held lighthouse', wait_seconds: 120, ...size },
      { onprogress },
    );
    call.catch(() => undefined);
    await until(
      () => heard.some((update) => update.at - startedAt >= holdMs),
      `a notification ${holdMs} ms into the held call (${failureContext()})`,
      holdMs + 30_000,
    );
    fake.holdSampling(false);
    const result = await call;
    const endedAt = Date.now();

    expect(result.structuredContent, JSON.stringify(result.content)).toMatchObject({ status: 'completed' });
    expect(longestSilence(startedAt, heard, endedAt)).toBeLessThan(maxSilenceMs);
    // The held stretch was bridged by heartbeats repeating the sampler's first step.
    const held = heard.filter((update) => update.message?.startsWith('step 1/20'));
    expect(held.length, JSON.stringify(heard)).toBeGreaterThanOrEqual(2);
  });

  it('a check_batch_status long-poll on a batch ComfyUI holds running hears progress at least every 10 s', async () => {
    const agent = await open('2025');
    fake.holdSampling(true);
    const accepted = await agent.call('batch_generate_images', {
      items: [{ prompt: 'a held dawn' }, { prompt: 'a held dusk' }],
      defaults: size,
    });
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;

    const { heard, onprogress } = recorder();
    const startedAt = Date.now();
    const call = agent.call('check_batch_status', { batch_id: batchId, wait_seconds: 120 }, { onprogress });
    call.catch(() => undefined);
    await until(
      () => heard.some((update) => update.at - startedAt >= holdMs),
      `a notification ${holdMs} ms into the long-poll (${failureContext()})`,
      holdMs + 30_000,
    );
    fake.holdSampling(false);
    const status = await call;
    const endedAt = Date.now();

    expect(status.structuredContent).toMatchObject({ done: true, completed: 2 });
    expect(longestSilence(startedAt, heard, endedAt)).toBeLessThan(maxSilenceMs);
    expect(heard.every((update) => update.total === 2)).toBe(true);
    for (let i = 1; i < heard.length; i++) expect(heard[i]!.progress).toBeGreaterThan(heard[i - 1]!.progress);
  });
});
