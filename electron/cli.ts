import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CliUsageError, parseCli, usage, type CliOptions } from './cli/options.js';
import type { PackageInfo } from './cli/start-core.js';
import { readStoredToken } from './cli/stored-token.js';
import { withHint } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { makePrivateDataDir } from './private-files.js';
import { startShimFront } from './stdio/front.js';

/*
 * Only what every command needs is imported here. The stdio shim must answer its client's initialize within
 * about a second (stdio/front.ts answers it from static data), so conf, zod, the SDK and the core are loaded
 * on demand, after that answer.
 */

/** The package root: two levels above dist/electron/cli.js. */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function packageInfo(): PackageInfo {
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { root: packageRoot, version };
}

async function startFromCli(options: CliOptions, logger: Logger, pkg: PackageInfo) {
  return (await import('./cli/start-core.js')).startFromCli(options, logger, pkg);
}

/** An error as the user reads it: its message and, for a BridgeError, its hint. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const hint = (error as { hint?: unknown } | undefined)?.hint;
  return withHint(message, typeof hint === 'string' ? hint : undefined);
}

/** How long the shim waits for its client's first message before it starts loading anyway. */
const firstMessageWaitMs = 20;

/** Shown as what set the port when the shim hosts the bridge on any free port because the configured one is taken. */
const anyPortSource = 'the stdio shim (the configured port was taken)';

/**
 * The launcher shim. Everything it logs goes to stderr and the log file: stdout carries JSON-RPC only.
 * Exits when the client closes stdin.
 */
async function stdio(options: CliOptions): Promise<void> {
  makePrivateDataDir(options.dataDir);
  const logger = createLogger({ level: options.logLevel, file: join(options.dataDir, 'logs', 'stdio.log') });
  const pkg = packageInfo();
  const front = startShimFront({
    input: process.stdin,
    output: process.stdout,
    version: pkg.version,
    logger,
  });
  // An initialize already in the pipe is answered before loading starts: evaluating the modules below blocks.
  await Promise.race([front.opened, delay(firstMessageWaitMs)]);
  try {
    const { runStdioShim } = await import('./stdio/shim.js');
    const token = options.token ?? readStoredToken(options.dataDir);
    const cwd = await shimProjectFolder(logger);
    await runStdioShim({
      dataDir: options.dataDir,
      ...(cwd === undefined ? {} : { cwd }),
      logger,
      ...(token === undefined ? {} : { token }),
      input: front.input,
      output: front.output,
      clientGone: front.clientLeftSatisfied,
      startCore: (anyPort) =>
        startFromCli(
          anyPort ? { ...options, port: 0, sources: { ...options.sources, port: anyPortSource } } : options,
          logger,
          pkg,
        ),
      serverFactory: async (core) => {
        const factory = (await import('./mcp/server.js')).createBridgeMcpServerFactory({
          service: core.service,
          app: core.resultApp,
          logger,
          ...(cwd === undefined ? {} : { cwd }),
          version: pkg.version,
        });
        // Served over stdio in-process, each connection (or 2026 probe) is a client: the checklist's agent step.
        return (ctx) => {
          core.agentConnected();
          return factory(ctx);
        };
      },
    });
  } catch (error) {
    // The client already holds a successful initialize: the reason goes to it as each request's error.
    const reason = describeError(error);
    logger.error('the bridge could not be reached or started', { error: reason });
    await front.refuse(`The ComfyUI MCP Bridge could not be reached or started: ${reason}`);
    process.exit(1);
  }
  // Timers of a stopped core (file watchers, sockets being torn down) must not keep a client waiting.
  process.exit(0);
}

/** The folder the client started the shim in, if it can be the agent's project (images/project-folder.ts). */
async function shimProjectFolder(logger: Logger): Promise<string | undefined> {
  const { projectFolderOf, thisMachine } = await import('./images/project-folder.js');
  const started = process.cwd();
  const project = projectFolderOf(started, thisMachine());
  if (project === undefined)
    logger.info(
      'the client started the bridge in a folder that is no project; relative save paths go to the output folder unless the client sends roots or the call project_dir',
      { folder: started },
    );
  return project;
}

async function serve(options: CliOptions): Promise<void> {
  makePrivateDataDir(options.dataDir);
  const logger = createLogger({ level: options.logLevel, file: join(options.dataDir, 'logs', 'bridge.log') });
  const core = await startFromCli(options, logger, packageInfo());
  // The two ready lines are the only output on stdout; scripts and tests wait for them. Bound beyond loopback,
  // a line per address other machines can use follows.
  process.stdout.write(`MCP endpoint: ${core.mcpUrl}\nDashboard: ${core.dashboardUrl}\n`);
  for (const url of core.networkMcpUrls) process.stdout.write(`From other machines: ${url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    void core.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('stop failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export async function main(argv: readonly string[]): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(argv, process.env);
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`comfyui-mcp-bridge: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  switch (options.command) {
    case 'help':
      process.stdout.write(usage);
      return;
    case 'version':
      process.stdout.write(`${packageInfo().version}\n`);
      return;
    case 'serve':
      return serve(options);
    case 'stdio':
      return stdio(options);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`comfyui-mcp-bridge: ${describeError(error)}\n`);
  process.exit(1);
});
