import { basename, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/server';
import { deviceMemory } from '../../shared/devices.js';
import { withHint, type BridgeError } from '../errors.js';
import type {
  BatchAccepted,
  BatchStatus,
  CancelResult,
  ComfyStatus,
  ConvertImageResult,
  GenerateImageResult,
  ImageList,
  ToolError,
  WebResult,
} from './schemas.js';

/*
 * Pure renderers from service results to MCP tool results. structuredContent carries everything the model
 * needs (some clients show the model nothing else); the text block is a short mirror for clients that
 * only show text; resource_links point at produced files; images are inlined only as small previews.
 */

/** Inline previews above this size are dropped: a preview must never blow the agent's context. */
export const MAX_PREVIEW_BYTES = 100 * 1024;

const mimeByExtension: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.bmp': 'image/bmp',
};

export function fileLink(path: string): ContentBlock {
  const mimeType = mimeByExtension[extname(path).toLowerCase()];
  return {
    type: 'resource_link',
    uri: pathToFileURL(path).href,
    name: basename(path),
    ...(mimeType === undefined ? {} : { mimeType }),
  };
}

function text(value: string): ContentBlock {
  return { type: 'text', text: value };
}

/** Why a file is where it is, when the save_path given does not say (see bridge/save-location.ts). */
function whyThere(reason: string | undefined): string {
  return reason === undefined ? '' : `; ${reason}`;
}

/** An edit's source and, for a cut-out, the transparency measured on the written file. */
function editNote(image: { source?: string; has_alpha?: boolean; transparent_fraction?: number }): string {
  if (image.source === undefined) return '';
  const alpha =
    image.has_alpha === undefined
      ? ''
      : image.has_alpha
        ? `, ${Math.round((image.transparent_fraction ?? 0) * 100)}% transparent`
        : ', no alpha channel';
  return ` from ${image.source}${alpha}`;
}

/**
 * The web variants' state as a sentence of its own after the file's: made (with the snippet to paste on the lines
 * after: clients that show the model only the text, Gemini CLI and LangChain's among them, have it nowhere else),
 * still being made, or failed. A batch still running gives its made snippets once, with its last status: each
 * poll repeating a hundred of them would fill the agent's context.
 */
function webNote(web: WebResult | undefined, withSnippet = true): string {
  if (web === undefined) return '';
  switch (web.status) {
    case 'done':
      return withSnippet
        ? `. Web: ${describeWeb(web)}`
        : `. Web: ${web.variants?.length ?? 0} variants; the snippet comes with the batch's last status.`;
    case 'pending':
      return `. Web variants are still being made: check_batch_status "${web.batch_id ?? ''}" reports them.`;
    case 'failed':
      return `. Web variants failed: ${web.error ? describeError(web.error) : 'unknown error'}`;
  }
}

/**
 * A made web asset in words: its variants, the alt draft, and what to paste (og and favicon are tags for `<head>`,
 * not a `<picture>`; a favicon's manifest icons too), each named as its field in the structured result.
 */
type WebText = Pick<WebResult, 'purpose' | 'variants' | 'alt' | 'html' | 'manifest_icons'>;

function describeWeb(web: WebText): string {
  const variants = `${web.variants?.length ?? 0} variants`;
  // A favicon's link tags take no alt text.
  const alt = web.alt !== undefined && web.purpose !== 'favicon' ? `; alt draft: "${web.alt}"` : '';
  if (web.html === undefined) return `${variants}${alt}.`;
  const snippet =
    web.purpose === 'favicon'
      ? 'the <link> tags'
      : web.purpose === 'og'
        ? 'the meta tags'
        : 'the <picture> snippet';
  const manifest =
    web.manifest_icons === undefined
      ? ''
      : `\nThe web app manifest's icons (web.manifest_icons): ${JSON.stringify(web.manifest_icons)}`;
  return `${variants}${alt}. Paste ${snippet} (web.html):\n${web.html}${manifest}`;
}

function describeError(error: ToolError): string {
  return withHint(error.message, error.hint);
}

export function renderGenerateImage(
  result: GenerateImageResult,
  options: { preview: boolean },
): CallToolResult {
  const images = result.images.map(({ previewWebp: _preview, ...image }) => image);
  const { waiting, ...fields } = result;
  const structuredContent = { ...fields, images };
  const lines: string[] = [];
  if (result.status === 'running') {
    const state = waiting
      ? `Not started (batch ${result.batch_id}), waiting: ${waiting}.`
      : `Still generating (batch ${result.batch_id}).`;
    lines.push(
      `${state} Call check_batch_status with batch_id "${result.batch_id}" and wait_seconds to get the file.`,
    );
  }
  for (const image of images)
    lines.push(
      `Saved ${image.path} (${image.width}x${image.height} ${image.format}, seed ${image.seed})` +
        editNote(image) +
        whyThere(image.saved_to_reason) +
        webNote(image.web),
    );

  const content: ContentBlock[] = [text(lines.join('\n'))];
  for (const image of result.images) {
    content.push(fileLink(image.path));
    const preview = image.previewWebp;
    if (options.preview && preview && preview.byteLength <= MAX_PREVIEW_BYTES)
      content.push({ type: 'image', data: preview.toString('base64'), mimeType: 'image/webp' });
  }
  return { content, structuredContent };
}

export function renderBatchAccepted(result: BatchAccepted): CallToolResult {
  return {
    content: [
      text(
        `Batch ${result.batch_id} queued with ${result.total} image(s). Call check_batch_status with batch_id "${result.batch_id}" to follow it.`,
      ),
    ],
    structuredContent: result,
  };
}

export function renderBatchStatus(result: BatchStatus): CallToolResult {
  const lines = [
    `Batch ${result.batch_id}${result.done ? ' is done' : ''}: ${result.completed}/${result.total} completed, ` +
      `${result.running} running, ${result.pending} pending, ${result.failed} failed, ${result.cancelled} cancelled.`,
  ];
  const content: ContentBlock[] = [];
  for (const item of result.items) {
    if (item.status === 'completed' && item.path !== undefined) {
      lines.push(
        `#${item.index}: ${item.path}${whyThere(item.saved_to_reason)}${webNote(item.web, result.done)}`,
      );
      content.push(fileLink(item.path));
    } else if (item.status === 'failed' && item.error) {
      lines.push(`#${item.index} failed: ${describeError(item.error)}`);
    }
  }
  return { content: [text(lines.join('\n')), ...content], structuredContent: result };
}

export function renderCancel(result: CancelResult): CallToolResult {
  return {
    content: [
      text(
        `Cancelled ${result.cancelled} item(s) of batch ${result.batch_id}; ${result.already_finished} had already finished.`,
      ),
    ],
    structuredContent: result,
  };
}

export function renderImageList(result: ImageList): CallToolResult {
  const lines = [`${result.images.length} image(s), newest first.`];
  for (const image of result.images) {
    const size =
      image.width !== undefined && image.height !== undefined ? ` ${image.width}x${image.height}` : '';
    lines.push(`${image.path}${size}`);
  }
  if (result.next_cursor !== undefined) lines.push(`More: pass cursor "${result.next_cursor}".`);
  return { content: [text(lines.join('\n'))], structuredContent: result };
}

/** "CPU (21.0 GB RAM free of 23.5 GB)": what the memory is, since ComfyUI calls a CPU's RAM its VRAM. */
function describeDevice(backend: ComfyStatus['backends'][number]): string {
  const { device = '', device_type: type, memory_total_bytes: total, memory_free_bytes: free } = backend;
  if (total === undefined || free === undefined) return device;
  const memory = type === undefined ? 'memory' : deviceMemory(type);
  return `${device} (${gigabytes(free)} ${memory} free of ${gigabytes(total)})`;
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

export function renderComfyStatus(result: ComfyStatus): CallToolResult {
  const lines = result.backends.map((backend) => {
    if (!backend.reachable)
      return `${backend.url}: not reachable${backend.error ? ` (${backend.error})` : ''}`;
    const parts = [`${backend.url}: reachable`];
    if (backend.version !== undefined) parts.push(`ComfyUI ${backend.version}`);
    if (backend.device !== undefined) parts.push(describeDevice(backend));
    if (backend.queue_length !== undefined) parts.push(`queue ${backend.queue_length}`);
    const workflow = backend.default_workflow;
    if (workflow) {
      const missing = [...workflow.missing_node_types, ...workflow.missing_models];
      parts.push(
        workflow.can_run
          ? `default workflow ${workflow.id} can run`
          : `default workflow ${workflow.id} cannot run (missing ${missing.join(', ')})`,
      );
    }
    return parts.join(', ');
  });
  if (lines.length === 0) lines.push('No ComfyUI backend is configured. Add its URL in the bridge settings.');
  if (result.no_default_workflow) lines.push(result.no_default_workflow);
  return { content: [text(lines.join('\n'))], structuredContent: result };
}

export function renderConvertImage(result: ConvertImageResult): CallToolResult {
  const lines = [`Converted ${result.converted}, failed ${result.failed}.`];
  const links: ContentBlock[] = [];
  for (const item of result.results) {
    if (item.output_path !== undefined) {
      lines.push(
        `${item.path} -> ${item.output_path} (${item.bytes_before} -> ${item.bytes_after} bytes)` +
          (item.original_kept === false ? '; original deleted' : ''),
      );
      links.push(fileLink(item.output_path));
      // The snippet is what the agent pastes; clients that show only text need it there. (A WebAsset: the
      // output schema leaves convert_image's `web` open.)
      if (item.web !== undefined) lines.push(`  web: ${describeWeb(item.web as WebText)}`);
    } else if (item.error) {
      lines.push(`${item.path} failed: ${describeError(item.error)}`);
    }
  }
  return { content: [text(lines.join('\n')), ...links], structuredContent: result };
}

/** A domain failure as a tool result whose text says what to do next. */
export function renderDomainError(error: BridgeError): CallToolResult {
  const structured: ToolError = { code: error.code, message: error.message };
  if (error.hint !== undefined) structured.hint = error.hint;
  if (error.details !== undefined) structured.details = error.details;
  return {
    isError: true,
    content: [text(describeError(structured))],
    structuredContent: { error: structured },
  };
}

export function renderInternalError(toolName: string): CallToolResult {
  const error: ToolError = {
    code: 'internal_error',
    message: `The bridge hit an unexpected error while running ${toolName}.`,
    hint: 'Retry once; if it happens again, check the bridge log and report the issue.',
  };
  return { isError: true, content: [text(describeError(error))], structuredContent: { error } };
}
