import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEndpointRecord } from '../../electron/stdio/endpoint-record.js';
import type { FakeComfyUI } from '../fakes/fake-comfyui.js';
import { tempDirs, startSd15Fake, until } from '../core/harness.js';
import {
  binPath,
  cleanEnv,
  isBuilt,
  mcpTokenOf,
  notBuiltMessage,
  serveArgs,
  startServe,
  type ServeProcess,
} from './built-cli.js';

/*
 * One core per data folder, with the built command: a second `serve` on a folder in use refuses to start
 * (and so never runs the first one's stored batches, nor touches its endpoint file); a lock left by a killed
 * process does not block the next start.
 */

if (!isBuilt) console.warn(`tests/cli: ${notBuiltMessage}`);

const { tempDir, removeTempDirs } = tempDirs('bridge-lock-');
let fake: FakeComfyUI;
const running: ServeProcess[] = [];
beforeAll(async () => {
  fake = await startSd15Fake(2);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((serve) => serve.stop()));
  fake.setStepMs(2);
});
afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

/**
 * Starts a second `serve` and settles as soon as it either exits or prints its ready line (which the old
 * code did: it then ran on the same folder); never waits for a time.
 */
function startSecond(
  args: string[],
): Promise<{ code: number | null; stderr: string; started?: ServeProcess }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [binPath, 'serve', ...args], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolveExit) =>
      child.once('exit', (code) => resolveExit(code)),
    );
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const mcpUrl = /MCP endpoint: (\S+)/.exec(stdout)?.[1];
      if (mcpUrl === undefined) return;
      const started: ServeProcess = {
        child,
        stdout: stdout.split('\n'),
        stderr: () => stderr,
        mcpUrl,
        dashboardUrl: '',
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      };
      running.push(started);
      resolveRun({ code: null, stderr, started });
    });
    void exited.then((code) => resolveRun({ code, stderr }));
  });
}

async function mcpClient(mcpUrl: string, token: string | undefined): Promise<Client> {
  const client = new Client({ name: 'lock-test', version: '1' });
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } }));
  return client;
}

const messageLines = (stderr: string) =>
  stderr.split('\n').filter((line) => line.startsWith('comfyui-mcp-bridge:'));

const lockFiles = (dataDir: string) => readdirSync(dataDir).filter((name) => name.startsWith('core.lock'));

describe.skipIf(!isBuilt)('one core per data folder', () => {
  it('a second serve on the folder refuses in one line naming the first, and every prompt runs once', async () => {
    const dataDir = tempDir();
    const args = serveArgs({ dataDir, outputDir: join(dataDir, 'out'), comfyui: fake.url });
    fake.setStepMs(40);
    const first = await startServe(args);
    running.push(first);
    const client = await mcpClient(first.mcpUrl, mcpTokenOf(dataDir));
    const submittedBefore = fake.submitted.length;
    const accepted = await client.callTool({
      name: 'batch_generate_images',
      arguments: {
        items: Array.from({ length: 8 }, (_, index) => ({
          prompt: `lock ${index}`,
          save_path: `lock/${index}.png`,
        })),
        defaults: { workflow: 'sd15', width: 64, height: 64 },
      },
    });
    expect(accepted.isError, JSON.stringify(accepted.content)).toBeFalsy();
    const batchId = (accepted.structuredContent as { batch_id: string }).batch_id;

    const second = await startSecond(args);
    expect(second.started, 'the second serve started on a folder in use').toBeUndefined();
    expect(second.code).toBe(1);
    const lines = messageLines(second.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`pid ${first.child.pid}`);
    expect(lines[0]).toContain(new URL(first.mcpUrl).origin);
    // The refused one never wrote or removed the first one's endpoint file.
    expect(readEndpointRecord(dataDir)).toMatchObject({ pid: first.child.pid, mcpUrl: first.mcpUrl });

    const status = await client.callTool({
      name: 'check_batch_status',
      arguments: { batch_id: batchId, wait_seconds: 60 },
    });
    expect(status.structuredContent).toMatchObject({ done: true, completed: 8, failed: 0 });
    await client.close();
    const prompts = fake.submitted.slice(submittedBefore).map((prompt) => prompt.promptId);
    expect(prompts).toHaveLength(8);
    expect(new Set(prompts).size).toBe(8);

    // Stopped cleanly, the owner takes its endpoint file and its lock with it.
    await first.stop();
    expect(readEndpointRecord(dataDir)).toBeUndefined();
    expect(lockFiles(dataDir)).toEqual([]);
  });

  it('a lock left by a SIGKILLed serve does not block the next start', async () => {
    const dataDir = tempDir();
    const args = serveArgs({ dataDir, outputDir: join(dataDir, 'out'), comfyui: fake.url });
    const first = await startServe(args);
    expect(lockFiles(dataDir)).toHaveLength(1);
    first.child.kill('SIGKILL');
    await until(() => first.child.signalCode === 'SIGKILL', 'the first serve to die');
    expect(lockFiles(dataDir)).toHaveLength(1);

    const second = await startSecond(args);
    expect(second.code, second.stderr).toBeNull();
    expect(second.started).toBeDefined();
    // The dead owner's generation is gone; the new owner's endpoint file replaced the stale one.
    expect(lockFiles(dataDir)).toHaveLength(1);
    expect(readEndpointRecord(dataDir)?.pid).toBe(second.started!.child.pid);
  });
});
