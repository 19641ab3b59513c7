import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Conf from 'conf';
import { CliUsageError, parseCli, usage, type CliOptions } from './cli/options.js';
import { overridesFrom } from './cli/overrides.js';
import { bundledWorkflowsDirFor } from './cli/paths.js';
import { shimArgsOf } from './cli/shim-args.js';
import type { Core } from './core.js';
import { withHint } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { makePrivateDataDir } from './private-files.js';
import { runStdioShim } from './stdio/shim.js';
import { createSettings, settingsStoreOptions, type KeyValueStore } from './settings.js';

/** The package root: two levels above dist/electron/cli.js. */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function openSettingsStore(dataDir: string): KeyValueStore {
  return new Conf<Record<string, unknown>>({ ...settingsStoreOptions, cwd: dataDir });
}

export async function startFromCli(options: CliOptions, logger: Logger): Promise<Core> {
  const store = openSettingsStore(options.dataDir);
  const stored = Array.isArray(store.store.allowedDirs) ? (store.store.allowedDirs as string[]) : [];
  const overrides = overridesFrom(options, stored);
  const settings = createSettings({
    store,
    logger,
    overrides: overrides.values,
    overrideSources: overrides.sources,
  });
  // Loaded on demand: a forwarding stdio shim never needs the core, and its client waits for it to start.
  const { startCore } = await import('./core.js');
  return startCore({
    settings,
    dataDir: options.dataDir,
    bundledWorkflowsDir: bundledWorkflowsDirFor(packageRoot, existsSync),
    logger,
    version: packageVersion(),
    shimArgs: shimArgsOf(options),
  });
}

/** Shown as what set the port when the shim hosts the bridge on any free port because the configured one is taken. */
const anyPortSource = 'the stdio shim (the configured port was taken)';

/**
 * The launcher shim. Everything it logs goes to stderr and the log file: stdout carries JSON-RPC only.
 * Exits when the client closes stdin.
 */
async function stdio(options: CliOptions): Promise<void> {
  makePrivateDataDir(options.dataDir);
  const logger = createLogger({ level: options.logLevel, file: join(options.dataDir, 'logs', 'stdio.log') });
  const storedToken = openSettingsStore(options.dataDir).store.mcpToken;
  const token = options.token ?? (typeof storedToken === 'string' ? storedToken : undefined);
  const cwd = process.cwd();
  await runStdioShim({
    dataDir: options.dataDir,
    cwd,
    logger,
    ...(token === undefined ? {} : { token }),
    startCore: (anyPort) =>
      startFromCli(
        anyPort ? { ...options, port: 0, sources: { ...options.sources, port: anyPortSource } } : options,
        logger,
      ),
    serverFactory: async (core) =>
      (await import('./mcp/server.js')).createBridgeMcpServerFactory({
        service: core.service,
        logger,
        cwd,
        version: packageVersion(),
      }),
  });
  // Timers of a stopped core (file watchers, sockets being torn down) must not keep a client waiting.
  process.exit(0);
}

async function serve(options: CliOptions): Promise<void> {
  makePrivateDataDir(options.dataDir);
  const logger = createLogger({ level: options.logLevel, file: join(options.dataDir, 'logs', 'bridge.log') });
  const core = await startFromCli(options, logger);
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
      process.stdout.write(`${packageVersion()}\n`);
      return;
    case 'serve':
      return serve(options);
    case 'stdio':
      return stdio(options);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = (error as { hint?: unknown }).hint;
  process.stderr.write(
    `comfyui-mcp-bridge: ${withHint(message, typeof hint === 'string' ? hint : undefined)}\n`,
  );
  process.exit(1);
});
