/*
 * What the MCP server says about itself, apart from its tools. Kept free of imports: the stdio shim answers
 * `initialize` (and `server/discover`) from these before it has loaded the SDK (stdio/early-answer.ts).
 */

export const SERVER_NAME = 'comfyui-mcp-bridge';

/** Short, and pointing to the playbook (prompts.ts serves it; tests/mcp/playbook.test.ts checks the names). */
export const SERVER_INSTRUCTIONS =
  "Generates images with the user's own ComfyUI and saves them into the project: project_dir if given, else the " +
  "client's first root (a client that sends no roots should pass project_dir); relative save paths resolve there. " +
  'Long generations return a batch_id: poll check_batch_status instead of retrying, at most 45 s per call (many ' +
  'clients cut any call at 60 s). Before the first image, read the playbook (sizes, prompts, waiting, what to do ' +
  'on each error code): prompt comfyui_images_playbook, or resource comfyui-mcp-bridge://playbook.';
