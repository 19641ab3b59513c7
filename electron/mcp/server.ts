import { inputRequired, McpServer } from '@modelcontextprotocol/server';
import type {
  CallToolResult,
  InputRequiredResult,
  McpRequestContext,
  Server,
  ServerContext,
} from '@modelcontextprotocol/server';
import { projectFolderOf, thisMachine } from '../images/project-folder.js';
import { isBridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { advertise } from './advertise.js';
import { registerResultApp } from './app/register.js';
import type { ResultAppService } from './app/service.js';
import { resultViewMetaFor } from './app/spec.js';
import { hasPerRequestStream, splitCallSignal } from './callSignals.js';
import { createProgressSender, ROOTS_INPUT_KEY, rootsFromListAnswer } from './context.js';
import { bundledPlaybook } from './playbook.js';
import type { Playbook } from './playbook.js';
import { registerPlaybook } from './prompts.js';
import { requestKeyOf } from './request-key.js';
import { shimCwdOf } from './shim-cwd.js';
import { renderDomainError, renderInternalError } from './results.js';
import { SERVER_INSTRUCTIONS, SERVER_NAME } from './server-identity.js';
import type { BridgeService, ToolContext } from './service.js';
import { toolSpecs } from './tools.js';
import type { ToolSpec } from './tools.js';

export interface BridgeMcpServerOptions {
  service: BridgeService;
  logger: Logger;
  /** The in-process stdio shim's working directory; unset when serving HTTP. */
  cwd?: string;
  /**
   * The per-run secret a forwarding stdio shim reads from the endpoint file; a request carrying it may
   * name the shim's working directory (see shim-cwd.ts). Unset: no request may.
   */
  shimSecret?: string;
  /** Reported as serverInfo.version. */
  version?: string;
  /** The playbook served as prompts and a resource; default: the package's skill file. */
  playbook?: () => Playbook;
  /** Backs the MCP App's app-only tools (mcp/app/); without it only the view itself is served. */
  app?: ResultAppService;
}

export { SERVER_NAME } from './server-identity.js';

export interface BridgeRequestContext extends McpRequestContext {
  /**
   * Aborted when the calls of this server must answer now and leave their work running: its 2025 session is
   * closing, or the bridge is shutting down. Unset: only the connection's own closing releases them.
   */
  release?: AbortSignal;
}

/** An SDK server factory that also takes the release signal; the SDK itself calls it without one. */
export type BridgeServerFactory = (
  ctx: BridgeRequestContext,
) => McpServer | Server | Promise<McpServer | Server>;

/**
 * The one server factory behind every transport and protocol era: the HTTP endpoint calls it per modern
 * request and per legacy session; a stdio entry can hand it to `serveStdio`.
 */
export function createBridgeMcpServerFactory(options: BridgeMcpServerOptions): BridgeServerFactory {
  const logger = options.logger.child('mcp');
  return (ctx) => {
    const server = new McpServer(
      { name: SERVER_NAME, version: options.version ?? '0.0.0' },
      { instructions: SERVER_INSTRUCTIONS, capabilities: { tools: {}, prompts: {}, resources: {} } },
    );
    for (const spec of toolSpecs) registerTool(server, spec, options, logger, ctx.release);
    registerPlaybook(server, options.playbook ?? bundledPlaybook);
    registerResultApp(server, options.app, logger);
    return server;
  };
}

function registerTool(
  server: McpServer,
  spec: ToolSpec,
  options: BridgeMcpServerOptions,
  logger: Logger,
  release: AbortSignal | undefined,
): void {
  const inputSchema = advertise(spec.inputSchema);
  const outputSchema = advertise(spec.outputSchema);
  const meta = resultViewMetaFor(spec.name);
  server.registerTool(
    spec.name,
    {
      description: spec.description,
      inputSchema,
      outputSchema,
      annotations: spec.annotations,
      ...(meta ? { _meta: meta } : {}),
    },
    (args: unknown, ctx: ServerContext) =>
      runTool(spec, args, ctx, { server, options, logger: logger.child(spec.name), release }),
  );
}

interface CallScope {
  server: McpServer;
  options: BridgeMcpServerOptions;
  logger: Logger;
  release: AbortSignal | undefined;
}

async function runTool(
  spec: ToolSpec,
  args: unknown,
  ctx: ServerContext,
  scope: CallScope,
): Promise<CallToolResult | InputRequiredResult> {
  let declared: string[] = [];
  if (spec.usesPaths && clientDeclaresRoots(scope.server)) {
    // 2026-era clients answer this in a retried call; on 2025-era sessions the SDK's shim sends a real
    // roots/list request and re-enters this handler with the answer.
    const answer = ctx.mcpReq.inputResponses?.[ROOTS_INPUT_KEY];
    if (answer === undefined)
      return inputRequired({ inputRequests: { [ROOTS_INPUT_KEY]: inputRequired.listRoots() } });
    declared = rootsFromListAnswer(answer);
  }
  const { roots, cwd } = projectFoldersOf(
    declared,
    scope.options.cwd ?? shimCwdOf(ctx.http?.req?.headers, scope.options.shimSecret),
    scope.logger,
  );

  const signals = splitCallSignal(ctx.mcpReq.signal, {
    perRequestStream: hasPerRequestStream(scope.server.server.transport),
    release: scope.release,
  });
  const requestKey = requestKeyOf(ctx.mcpReq._meta);
  const toolContext: ToolContext = {
    signal: signals.cancel,
    release: signals.release,
    roots,
    progress: createProgressSender(ctx, scope.logger),
    ...(cwd === undefined ? {} : { cwd }),
    ...(requestKey === undefined ? {} : { requestKey }),
  };
  try {
    return await spec.run(scope.options.service, args, toolContext);
  } catch (error) {
    if (isBridgeError(error)) {
      scope.logger.info('tool call failed', { code: error.code, message: error.message });
      return renderDomainError(error);
    }
    if (signals.cancel.aborted) {
      scope.logger.debug('tool call ended after cancellation', { error: String(error) });
    } else {
      scope.logger.error('tool call threw', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    return renderInternalError(spec.name);
  } finally {
    signals.dispose();
  }
}

/**
 * The client's roots and the shim's folder that can stand for a project (images/project-folder.ts): a root of `/`
 * or of the home folder would make the whole disk or home writable and take relative paths there. The shim checks
 * its own folder before sending it; an older shim did not, so the core checks again.
 */
function projectFoldersOf(
  declared: string[],
  shimCwd: string | undefined,
  logger: Logger,
): { roots: string[]; cwd: string | undefined } {
  const machine = thisMachine();
  const roots: string[] = [];
  const unused: string[] = [];
  for (const root of declared) {
    const project = projectFolderOf(root, machine);
    if (project === undefined) unused.push(root);
    else if (!roots.includes(project)) roots.push(project);
  }
  const cwd = shimCwd === undefined ? undefined : projectFolderOf(shimCwd, machine);
  if (shimCwd !== undefined && cwd === undefined) unused.push(shimCwd);
  if (unused.length > 0)
    logger.info(
      "folders the client named that are no project (a drive's root, the home folder or a system folder) are not used as one, nor allowed",
      { folders: unused },
    );
  return { roots, cwd };
}

function clientDeclaresRoots(server: McpServer): boolean {
  return server.server.getClientCapabilities()?.roots !== undefined;
}
