/**
 * How agents and the dashboard reach the core: the MCP endpoint, the one HTTP server in front of it and of the
 * dashboard API, and the addresses it announces (`<data>/endpoint.json` for the stdio shim, the dashboard's URL,
 * the page the window opens on).
 */
import type { Dashboard } from '../dashboard/index.js';
import { mcpTokenToEnforce } from '../http/guard.js';
import { createHttpServer, type BridgeHttpServer } from '../http/server.js';
import type { Logger } from '../log.js';
import type { ResultAppService } from '../mcp/app/service.js';
import { createMcpEndpoint, type McpEndpoint } from '../mcp/endpoint.js';
import { createBridgeMcpServerFactory } from '../mcp/server.js';
import type { BridgeService } from '../mcp/service.js';
import { definedOnly } from '../objects.js';
import type { SettingsService } from '../settings.js';
import { startPageUrl as startPage } from '../setup/checklist.js';
import { readChecklistRecord } from '../setup/checklist-record.js';
import { writeEndpointRecord } from '../stdio/endpoint-record.js';
import { createShimHelloHandler } from '../stdio/handshake.js';
import type { CoreTuning } from './types.js';

export function createAgentEndpoint(deps: {
  service: BridgeService;
  resultApp: ResultAppService;
  dashboard: Dashboard;
  shimSecret: string;
  version: string;
  logger: Logger;
  tuning: CoreTuning;
}): McpEndpoint {
  const { logger, tuning } = deps;
  return createMcpEndpoint({
    factory: createBridgeMcpServerFactory({
      service: deps.service,
      app: deps.resultApp,
      logger,
      shimSecret: deps.shimSecret,
      // The tray passes none: serverInfo names the package version, as the stdio shim's early answer does.
      version: deps.version,
    }),
    logger,
    onClientRequest: () => deps.dashboard.agentConnected(),
    ...definedOnly({
      sessionIdleMs: tuning.sessionIdleMs,
      maxSessions: tuning.maxSessions,
      monotonicNow: tuning.monotonicNow,
    }),
  });
}

export function listenHttp(deps: {
  settings: SettingsService;
  mcp: McpEndpoint;
  dashboard: Dashboard;
  shimSecret: string;
  logger: Logger;
}): Promise<BridgeHttpServer> {
  const { settings, mcp, dashboard } = deps;
  return createHttpServer({
    host: settings.get().host,
    port: settings.get().port,
    ...definedOnly({ token: mcpTokenToEnforce(settings.get()) }),
    mcpHandler: (req, res, body) => mcp.handle(req, res, body),
    shimHelloHandler: createShimHelloHandler(deps.shimSecret),
    apiHandler: dashboard.apiHandler,
    staticHandler: dashboard.staticHandler,
    upgradeHandler: dashboard.upgradeHandler,
    logger: deps.logger,
  });
}

export interface CoreAddresses {
  url: string;
  mcpUrl: string;
  networkMcpUrls: readonly string[];
  dashboardUrl: string;
  startPageUrl: string;
}

/** The listening server's addresses, written to `<data>/endpoint.json` for the stdio shim. */
export function announce(deps: {
  server: BridgeHttpServer;
  settings: SettingsService;
  dataDir: string;
  shimSecret: string;
  logger: Logger;
}): CoreAddresses {
  const { server, settings, dataDir } = deps;
  if (mcpTokenToEnforce(settings.get()) === undefined)
    deps.logger.warn(
      'requireTokenOnLoopback is off: any program of any user on this machine can use the bridge without a token',
    );
  const url = server.url;
  const mcpUrl = `${url}/mcp`;
  const networkMcpUrls = server.networkUrls.map((base) => `${base}/mcp`);
  const dashboardUrl = `${url}/?token=${encodeURIComponent(settings.get().dashboardToken)}`;
  // Decided from the record as this run found it: the checklist while set-up is not finished or dismissed.
  const startPageUrl = startPage(dashboardUrl, readChecklistRecord(dataDir));
  writeEndpointRecord(dataDir, {
    url,
    mcpUrl,
    pid: process.pid,
    shimSecret: deps.shimSecret,
    ...definedOnly({ mcpToken: mcpTokenToEnforce(settings.get()) }),
  });
  return { url, mcpUrl, networkMcpUrls, dashboardUrl, startPageUrl };
}
