/**
 * The stdio relay's HTTP exchanges that need none of its state: reading the JSON-RPC messages of an answer (a JSON
 * body or an SSE stream, or a refusal outside JSON-RPC), and ending a session.
 */
import type { Logger } from '../log.js';
import type { RelayTarget } from './attach.js';
import { isJsonRpcMessage, parseMessage, type JsonRpcMessage } from './relay-messages.js';
import { sseData } from './sse.js';

/**
 * Delivers every JSON-RPC message of a response. Returns the reason when the bridge refused the request
 * outside JSON-RPC (its HTTP guard answers 401/403/413 with {error: {code, message}}).
 */
export async function relayBody(
  response: Response,
  logger: Logger,
  deliver: (message: JsonRpcMessage) => void,
): Promise<string | undefined> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream') && response.body) {
    for await (const data of sseData(response.body)) {
      const message = parseMessage(data);
      if (message) deliver(message);
      else logger.warn('ignored a malformed event from the bridge', { data: data.slice(0, 200) });
    }
    return undefined;
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? [] : JSON.parse(text);
  } catch {
    parsed = [];
  }
  const messages = (Array.isArray(parsed) ? parsed : [parsed]).filter(isJsonRpcMessage);
  messages.forEach(deliver);
  if (messages.length > 0 || response.ok) return undefined;
  const reason = (parsed as { error?: { message?: unknown } }).error?.message;
  logger.warn('the bridge refused a request', { status: response.status, body: text.slice(0, 300) });
  return `The bridge refused the request (HTTP ${response.status}): ${
    typeof reason === 'string' ? reason : text.slice(0, 200)
  }`;
}

/** Ends a 2025-era session (DELETE), giving up after 2 s. */
export async function endSession(
  target: RelayTarget,
  sessionId: string,
  headers: Record<string, string>,
  logger: Logger,
) {
  try {
    const response = await fetch(target.mcpUrl, {
      method: 'DELETE',
      headers: { ...target.headers, ...headers },
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
  } catch (error) {
    logger.debug('could not end the session', { sessionId, error: String(error) });
  }
}
