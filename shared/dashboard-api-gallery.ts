/** The dashboard's Gallery routes: a page of generations, its filters, and what deleting one did. */
import { z } from 'zod';
import { editModes, outputFormats } from './generation.js';
import { webAssetRecordSchema } from './web-asset.js';

export const galleryItemSchema = z.object({
  id: z.string(),
  path: z.string(),
  prompt: z.string(),
  negativePrompt: z.string().optional(),
  seed: z.number(),
  width: z.number(),
  height: z.number(),
  format: z.enum(outputFormats),
  bytes: z.number(),
  workflow: z.string(),
  backend: z.string(),
  batchId: z.string().optional(),
  createdAt: z.string(),
  /**
   * Whether the file at `path` is still the one this generation made: `replaced` (another file is there, or the
   * path now leads outside the allowed folders) and `missing` entries are not shown, and deleting them removes
   * the entry only.
   */
  fileState: z.enum(['present', 'replaced', 'missing']),
  /** Why the file is replaced or missing, in words. */
  fileNote: z.string().optional(),
  /** Set for an edit (edit_image): its mode and the source file's path; the source is served by id (imageRoutes). */
  edit: z.object({ mode: z.enum(editModes), source: z.string() }).optional(),
  /** The image made web-ready (convert_image or a tool's `web` option): its variants, sizes, placeholder, snippet. */
  web: webAssetRecordSchema.optional(),
});
export type GalleryItem = z.infer<typeof galleryItemSchema>;

/** The gallery's mode filter: `generate` is every record that is not an edit, else one edit mode. */
export const galleryModes = ['generate', ...editModes] as const;
export type GalleryMode = (typeof galleryModes)[number];

export const galleryQuerySchema = z.object({
  query: z.string().max(500).optional(),
  mode: z.enum(galleryModes).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(500).optional(),
});
export const galleryPageSchema = z.object({
  items: z.array(galleryItemSchema),
  nextCursor: z.string().optional(),
  /** Every generation in the index (not only those matching the query). */
  total: z.number(),
});
export type GalleryPage = z.infer<typeof galleryPageSchema>;
export const deleteResponseSchema = z.object({
  deleted: z.literal(true),
  movedTo: z.string().optional(),
  /** What happened to the file: moved to the trash, or left alone because it was replaced or already missing. */
  file: z.enum(['trashed', 'replaced', 'missing']),
  /** The outcome in words, for the person who asked. */
  message: z.string(),
});
