/**
 * Which output format a save path asks for. Decision: an explicit format that contradicts a known image extension
 * is an error (writing WebP bytes into "hero.png" would break whoever loads it, and silently writing
 * "hero.png.webp" would break the agent's reference to the path); an explicit format with no image extension gets
 * the matching extension appended.
 */
import path from 'node:path';
import { outputFormats, type OutputFormat } from '../../shared/generation.js';

const formatsByExtension: Record<string, OutputFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
};
const acceptedExtensions = Object.keys(formatsByExtension).join(', ');

export class FormatError extends Error {
  override readonly name = 'FormatError';
}

export function extensionFor(format: OutputFormat): string {
  return format === 'jpeg' ? '.jpg' : `.${format}`;
}

export function isOutputFormat(value: string): value is OutputFormat {
  return (outputFormats as readonly string[]).includes(value);
}

/** The format a file's extension names; anything else is an error listing the accepted extensions. */
export function formatFromPath(filePath: string): OutputFormat {
  const extension = path.extname(filePath).toLowerCase();
  const format = formatsByExtension[extension];
  if (!format) {
    throw new FormatError(
      `"${path.basename(filePath)}" ${extension ? `has the extension ${extension}, which is not supported` : 'has no extension'}; use one of ${acceptedExtensions}, or pass format (${outputFormats.join(', ')}).`,
    );
  }
  return format;
}

/**
 * The path and format to write, from the agent's save path and optional explicit format. Without either a format
 * or a recognised extension, `fallback` is used and its extension appended.
 */
export function resolveOutputFormat(
  savePath: string,
  format?: OutputFormat,
  fallback: OutputFormat = 'png',
): { path: string; format: OutputFormat } {
  const extension = path.extname(savePath).toLowerCase();
  const fromExtension = formatsByExtension[extension];
  if (format) {
    if (fromExtension && fromExtension !== format) {
      throw new FormatError(
        `save_path "${path.basename(savePath)}" ends in ${extension} but format is ${format}; change the extension to ${extensionFor(format)}, or leave format out.`,
      );
    }
    return { path: fromExtension ? savePath : savePath + extensionFor(format), format };
  }
  if (fromExtension) return { path: savePath, format: fromExtension };
  if (extension === '') return { path: savePath + extensionFor(fallback), format: fallback };
  return { path: savePath, format: formatFromPath(savePath) };
}
