/*
 * A key the stdio shim puts in a tools/call's _meta so that the same call, sent again after the core it was
 * relayed to went away, finds the batch the first send started (stored with the batch, so it survives the
 * restart) instead of queueing the work twice. Internal to the shim and the bridge: the key is random per
 * call, so knowing one means having sent that call; it is not part of the tools' documented input.
 */

export const REQUEST_KEY_META = 'dev.comfyui-mcp-bridge/requestKey';
const MAX_KEY_LENGTH = 100;

/** The call's key, or undefined when it has none or it is not a short string. */
export function requestKeyOf(meta: Record<string, unknown> | undefined): string | undefined {
  const key = meta?.[REQUEST_KEY_META];
  return typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH ? key : undefined;
}
