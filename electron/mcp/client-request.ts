/*
 * Whether a /mcp request body carries a client's request (a JSON-RPC message with a method and an id, alone or
 * in a batch): the dashboard's checklist counts an agent as connected once one is answered. Not only the
 * opening `initialize` or `server/discover`: a 2026-07-28 client may have cached the discovery and open with
 * its first real request (tools/list). Pure; the body is the size- and depth-checked one the server read.
 */

export function carriesClientRequest(body: Uint8Array): boolean {
  if (body.byteLength === 0) return false;
  let message: unknown;
  try {
    message = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return false;
  }
  return (Array.isArray(message) ? message : [message]).some(isRequest);
}

function isRequest(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { method, id } = message as { method?: unknown; id?: unknown };
  return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number');
}
