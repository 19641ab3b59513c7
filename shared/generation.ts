/** Types both the core and the dashboard use for generations and their images. */

export const outputFormats = ['png', 'jpeg', 'webp'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** One generated image as recorded in the gallery index. */
export interface GenerationRecord {
  id: string;
  /** Absolute path of the file as written. */
  path: string;
  prompt: string;
  negativePrompt?: string;
  seed: number;
  width: number;
  height: number;
  format: OutputFormat;
  bytes: number;
  workflow: string;
  backend: string;
  batchId?: string;
  /** ISO time the file was written. */
  createdAt: string;
}
