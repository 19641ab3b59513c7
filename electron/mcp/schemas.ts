/*
 * The agent-facing contract of the MCP tools, in one import: their arguments (tool-args.ts) and their results
 * (tool-results.ts).
 */
export * from './tool-args.js';
export * from './tool-results.js';
