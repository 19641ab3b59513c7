/*
 * What the MCP server says about itself, apart from its tools. Kept free of imports: the stdio shim answers
 * `initialize` (and `server/discover`) from these before it has loaded the SDK (stdio/early-answer.ts).
 */

export const SERVER_NAME = 'comfyui-mcp-bridge';

export const SERVER_INSTRUCTIONS =
  "Generates images with the user's own ComfyUI and saves them into the project. Relative save paths resolve " +
  'against the project root. Long generations return a batch_id: poll check_batch_status instead of retrying, ' +
  'at most 45 s per call (many clients cut any call at 60 s). A call retried with the same idempotency_key ' +
  'gets the same batch back instead of generating again.';
