import type { JobRecord } from '../jobs/types.js';

/**
 * The bridge's text chunks (PNG) or XMP properties (JPEG, WebP). ComfyUI's own PNG chunks are "prompt" (its API
 * graph as JSON) and "workflow" (its UI graph); the bridge never writes those keys, so every reader finds one
 * meaning per key: "parameters" (the A1111-style summary many tools show) and "bridge-*" for the parts.
 */
export function embeddedMetadata(spec: JobRecord['spec'], backend: string): Record<string, string> {
  const parameters = [
    spec.prompt,
    ...(spec.negativePrompt ? [`Negative prompt: ${spec.negativePrompt}`] : []),
    `Seed: ${spec.seed}, Size: ${spec.width}x${spec.height}, Workflow: ${spec.workflow}` +
      (spec.edit ? `, Edit: ${spec.edit.mode} of ${spec.edit.source}` : ''),
  ].join('\n');
  return {
    parameters,
    'bridge-prompt': spec.prompt,
    ...(spec.negativePrompt ? { 'bridge-negative-prompt': spec.negativePrompt } : {}),
    'bridge-seed': String(spec.seed),
    'bridge-workflow': spec.workflow,
    ...(spec.edit ? { 'bridge-edit-mode': spec.edit.mode, 'bridge-source': spec.edit.source } : {}),
    'bridge-generator': `comfyui-mcp-bridge via ComfyUI at ${backend}`,
  };
}
