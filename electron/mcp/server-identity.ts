/*
 * What the MCP server says about itself, apart from its tools. Kept free of imports: the stdio shim answers
 * `initialize` (and `server/discover`) from these before it has loaded the SDK (stdio/early-answer.ts).
 */

export const SERVER_NAME = 'comfyui-mcp-bridge';

export const SERVER_INSTRUCTIONS =
  "Generates images with the user's own ComfyUI and saves them into the project: project_dir if given, else the " +
  "client's first root (a client that sends no roots should pass project_dir). Relative save paths resolve there, " +
  "else in the bridge's output folder; without save_path an image goes to the project's public/, static/ or " +
  'assets/ folder, else the output folder. Long generations return a batch_id: poll check_batch_status instead of retrying, ' +
  'at most 45 s per call (many clients cut any call at 60 s). A call retried with the same idempotency_key ' +
  'gets the same batch back instead of generating again.';
