/*
 * Whether a /mcp request body opens a client's session: a 2025-era `initialize`, or the 2026-07-28 probe
 * `server/discover` (a JSON-RPC request, alone or in a batch). The dashboard's checklist counts an agent as
 * connected once one is answered. Pure; the body is the size- and depth-checked one the HTTP server read.
 */

const openingMethods = new Set(['initialize', 'server/discover']);

export function opensClientSession(body: Uint8Array): boolean {
  if (body.byteLength === 0) return false;
  let message: unknown;
  try {
    message = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return false;
  }
  return (Array.isArray(message) ? message : [message]).some(isOpeningRequest);
}

function isOpeningRequest(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { method, id } = message as { method?: unknown; id?: unknown };
  return (
    typeof method === 'string' &&
    openingMethods.has(method) &&
    (typeof id === 'string' || typeof id === 'number')
  );
}
