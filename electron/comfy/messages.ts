import { decodeExecutionError, decodeNodeOutput } from './parse.js';
import type { ExecutionErrorInfo, NodeOutputs } from './types.js';

/** A websocket frame from ComfyUI, decoded to what the client acts on. */
export type ServerMessage =
  | { type: 'status'; queueRemaining: number; sid?: string }
  | { type: 'execution_start'; promptId: string }
  | { type: 'execution_cached'; promptId: string; nodes: string[] }
  /** `promptId` is missing on the replay ComfyUI sends to a socket that reconnects mid-run. */
  | { type: 'executing'; promptId?: string; node: string | null }
  | { type: 'progress'; promptId?: string; node: string; value: number; max: number }
  | { type: 'executed'; promptId: string; node: string; output: NodeOutputs[string] }
  | { type: 'execution_success'; promptId: string }
  | { type: 'execution_error'; promptId: string; error: ExecutionErrorInfo }
  | { type: 'execution_interrupted'; promptId: string }
  | { type: 'preview'; promptId?: string; mime: string; bytes: Buffer }
  | { type: 'text'; nodeId: string; text: string };

/** Binary frame event types (ComfyUI's BinaryEventTypes). */
const previewImageEvent = 1;
const textEvent = 3;
const previewImageWithMetadataEvent = 4;

const previewFormats: Record<number, string> = { 1: 'image/jpeg', 2: 'image/png' };

/** The first message a client sends so previews arrive as type 4, carrying their prompt_id. */
export const featureFlagsMessage = JSON.stringify({
  type: 'feature_flags',
  data: { supports_preview_metadata: true },
});

/** Decodes a text frame; undefined for message types the client does not use or frames it cannot read. */
export function parseTextFrame(text: string): ServerMessage | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(frame) || typeof frame.type !== 'string' || !isRecord(frame.data)) return undefined;
  const data = frame.data;
  const promptId = typeof data.prompt_id === 'string' ? data.prompt_id : undefined;
  switch (frame.type) {
    case 'status': {
      const status = isRecord(data.status) ? data.status : {};
      const execInfo = isRecord(status.exec_info) ? status.exec_info : {};
      const queueRemaining = typeof execInfo.queue_remaining === 'number' ? execInfo.queue_remaining : 0;
      return typeof data.sid === 'string'
        ? { type: 'status', queueRemaining, sid: data.sid }
        : { type: 'status', queueRemaining };
    }
    case 'executing': {
      const node = typeof data.node === 'string' ? data.node : null;
      return promptId ? { type: 'executing', promptId, node } : { type: 'executing', node };
    }
    case 'progress': {
      if (typeof data.value !== 'number' || typeof data.max !== 'number') return undefined;
      const node = typeof data.node === 'string' ? data.node : '';
      return { type: 'progress', ...(promptId && { promptId }), node, value: data.value, max: data.max };
    }
  }
  if (!promptId) return undefined;
  switch (frame.type) {
    case 'execution_start':
    case 'execution_success':
    case 'execution_interrupted':
      return { type: frame.type, promptId };
    case 'execution_cached':
      return {
        type: 'execution_cached',
        promptId,
        nodes: Array.isArray(data.nodes) ? data.nodes.map(String) : [],
      };
    case 'executed':
      if (typeof data.node !== 'string') return undefined;
      try {
        return { type: 'executed', promptId, node: data.node, output: decodeNodeOutput(data.output ?? {}) };
      } catch {
        return undefined;
      }
    case 'execution_error':
      try {
        return { type: 'execution_error', promptId, error: decodeExecutionError(data) };
      } catch {
        return undefined;
      }
    default:
      return undefined;
  }
}

/** Decodes a binary frame by its leading big-endian uint32 event type; other types are ignored. */
export function parseBinaryFrame(frame: Buffer): ServerMessage | undefined {
  if (frame.length < 8) return undefined;
  const event = frame.readUInt32BE(0);
  switch (event) {
    case previewImageEvent: {
      const mime = previewFormats[frame.readUInt32BE(4)] ?? 'application/octet-stream';
      return { type: 'preview', mime, bytes: frame.subarray(8) };
    }
    case textEvent: {
      const idLength = frame.readUInt32BE(4);
      if (frame.length < 8 + idLength) return undefined;
      return {
        type: 'text',
        nodeId: frame.subarray(8, 8 + idLength).toString('utf8'),
        text: frame.subarray(8 + idLength).toString('utf8'),
      };
    }
    case previewImageWithMetadataEvent: {
      const metadataLength = frame.readUInt32BE(4);
      if (frame.length < 8 + metadataLength) return undefined;
      let metadata: unknown;
      try {
        metadata = JSON.parse(frame.subarray(8, 8 + metadataLength).toString('utf8'));
      } catch {
        return undefined;
      }
      const meta = isRecord(metadata) ? metadata : {};
      const mime = typeof meta.image_type === 'string' ? meta.image_type : 'application/octet-stream';
      const bytes = frame.subarray(8 + metadataLength);
      return typeof meta.prompt_id === 'string'
        ? { type: 'preview', promptId: meta.prompt_id, mime, bytes }
        : { type: 'preview', mime, bytes };
    }
    default:
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
