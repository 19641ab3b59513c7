import { SERVER_INSTRUCTIONS, SERVER_NAME } from '../mcp/server-identity.js';

/*
 * The stdio shim's answer to a client's opening request, given before the shim has found the app, proved it,
 * or loaded the core: agent clients wait only about a second for it (Claude Code ~1.5 s, Codex ~1 s) and then
 * go on without the server's tools. The answer is what the real server says (tests/mcp-e2e/shim-early-answer
 * compares them for both protocol eras, and the shim logs a warning if the real answer it receives later
 * differs), so it must follow the SDK's rules:
 *
 * - 2025 era, `initialize`: the requested version if the server supports it, else its newest 2025-era version.
 * - 2026-07-28 era, `server/discover` claiming a version the server supports. A claim of any other version is
 *   left to the real server, which answers with the unsupported-version error.
 *
 * Pure and free of heavy imports (no SDK, no zod): it is on the shim's critical path.
 */

/** The SDK's 2025-era versions (`SUPPORTED_PROTOCOL_VERSIONS`), newest first: the first is the fallback. */
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
  '2024-10-07',
];
/** The 2026-07-28-era versions the server negotiates through `server/discover`. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28'];
/**
 * The server's capabilities as it advertises them: the tools, the playbook's prompts and resource (mcp/prompts.ts)
 * and the MCP App's view (mcp/app/) it registers make the SDK add listChanged to each.
 */
const capabilities = () => ({
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true },
});

export const MODERN_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
const CLIENT_INFO_META_KEY = 'io.modelcontextprotocol/clientInfo';
const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';

export interface OpeningRequest {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** The request's 2026-07-28 protocol-version claim (in its `_meta`), if it makes one. */
export function modernClaimOf(message: OpeningRequest): string | undefined {
  const meta = (message.params as { _meta?: unknown } | undefined)?._meta;
  if (!isObject(meta)) return undefined;
  const version = meta[MODERN_VERSION_META_KEY];
  return typeof version === 'string' ? version : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A client's `{ name, version }`, as the SDK requires it before answering. */
function isImplementation(value: unknown): boolean {
  return isObject(value) && typeof value.name === 'string' && typeof value.version === 'string';
}

/**
 * The JSON-RPC result the real server would give to `message`, or undefined when this request is not one
 * the shim answers early (the real server answers it once loaded).
 */
export function earlyResultFor(
  message: OpeningRequest,
  version: string,
): Record<string, unknown> | undefined {
  if (typeof message.id !== 'string' && typeof message.id !== 'number') return undefined;
  const serverInfo = { name: SERVER_NAME, version };
  const claim = modernClaimOf(message);
  if (message.method === 'initialize' && claim === undefined) {
    // A malformed handshake gets the real server's validation error instead.
    const params = isObject(message.params) ? message.params : {};
    if (typeof params.protocolVersion !== 'string' || !isObject(params.capabilities)) return undefined;
    if (!isImplementation(params.clientInfo)) return undefined;
    const requested = params.protocolVersion;
    const protocolVersion = LEGACY_PROTOCOL_VERSIONS.includes(requested)
      ? requested
      : LEGACY_PROTOCOL_VERSIONS[0];
    return { protocolVersion, capabilities: capabilities(), serverInfo, instructions: SERVER_INSTRUCTIONS };
  }
  if (
    message.method === 'server/discover' &&
    claim !== undefined &&
    MODERN_PROTOCOL_VERSIONS.includes(claim)
  ) {
    const meta = (message.params as { _meta: Record<string, unknown> })._meta;
    if (!isImplementation(meta[CLIENT_INFO_META_KEY]) || !isObject(meta[CLIENT_CAPABILITIES_META_KEY]))
      return undefined;
    return {
      supportedVersions: [...MODERN_PROTOCOL_VERSIONS],
      capabilities: capabilities(),
      instructions: SERVER_INSTRUCTIONS,
      resultType: 'complete',
      ttlMs: 0,
      cacheScope: 'private',
      _meta: { [SERVER_INFO_META_KEY]: serverInfo },
    };
  }
  return undefined;
}
