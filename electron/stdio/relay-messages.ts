import { REQUEST_KEY_META } from '../mcp/request-key.js';

/** The stdio shim's relay (relay.ts) on the messages it forwards: JSON-RPC lines, the 2026-07-28 headers, errors. */

export type RequestId = string | number;

export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: RequestId | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

/** Which params field the Mcp-Name header mirrors, per method (2026-07-28 Streamable HTTP binding). */
const MCP_NAME_SOURCE: Record<string, string> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** The standard headers a 2026-07-28 request POST must carry. */
export function modernHeaders(
  request: { method: string; params?: Record<string, unknown> },
  version: string,
): Record<string, string> {
  const headers: Record<string, string> = { 'mcp-protocol-version': version, 'mcp-method': request.method };
  const field = MCP_NAME_SOURCE[request.method];
  const name = field === undefined ? undefined : request.params?.[field];
  if (typeof name === 'string') headers['mcp-name'] = headerSafe(name);
  return headers;
}

/** Visible ASCII passes as is; anything else goes in the binding's Base64 sentinel. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) && value.trim() === value
    ? value
    : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

export function protocolVersionOf(result: unknown): string | undefined {
  const version = (result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
  return typeof version === 'string' ? version : undefined;
}

export function parseMessage(text: string): JsonRpcMessage | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonRpcMessage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isJsonRpcMessage(value: unknown): value is JsonRpcMessage {
  return typeof value === 'object' && value !== null && (value as { jsonrpc?: unknown }).jsonrpc === '2.0';
}

export function withRequestKey<M extends JsonRpcMessage>(message: M, requestKey: string): M {
  const meta = (message.params?._meta ?? {}) as Record<string, unknown>;
  return { ...message, params: { ...message.params, _meta: { ...meta, [REQUEST_KEY_META]: requestKey } } };
}

/** A tool's answer that the bridge stopped while the call waited (bridge/service.ts). */
export function isBridgeStopped(reply: JsonRpcMessage): boolean {
  const result = reply.result as { isError?: unknown; structuredContent?: { error?: { code?: unknown } } };
  return result?.isError === true && result.structuredContent?.error?.code === 'bridge_stopped';
}

export function unreachable(mcpUrl: string, reason: string): string {
  return (
    `The ComfyUI MCP Bridge at ${mcpUrl} did not answer (${reason}). ` +
    'If the app was closed, start it again and restart this MCP server in your client.'
  );
}

export function errorReply(id: RequestId, message: string) {
  return { jsonrpc: '2.0', id, error: { code: -32603, message } };
}

export function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string'
    ? cause.code
    : error instanceof Error
      ? error.message
      : String(error);
}
