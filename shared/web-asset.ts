import { z } from 'zod';

/**
 * A web-ready asset as the gallery keeps it (issue 13): the files made for a page from one image, their `sizes`,
 * the placeholder and the snippet to paste. The gallery index stores it on the image's record and the dashboard
 * shows it; every tool that makes web assets (convert_image, and generate_image/edit_image with `web`) fills it with
 * `webAssetRecordOf` (electron/web/asset-record.ts). Optional on the record: older records have none.
 */
export const webVariantRecordSchema = z.object({
  path: z.string().min(1),
  format: z.enum(['avif', 'webp', 'jpeg', 'png', 'ico']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
});
export type WebVariantRecord = z.infer<typeof webVariantRecordSchema>;

export const webAssetRecordSchema = z.object({
  purpose: z.string(),
  variants: z.array(webVariantRecordSchema),
  /** The `sizes` attribute of the snippet (absent for `og` and `favicon`: meta and link tags). */
  sizes: z.string().optional(),
  placeholder: z.object({ thumbhash: z.string(), dataUrl: z.string() }).optional(),
  /** `#rrggbb`. */
  dominantColor: z.string(),
  alt: z.string(),
  html: z.string(),
  /** ISO time the asset was made. */
  madeAt: z.string(),
});
export type WebAssetRecord = z.infer<typeof webAssetRecordSchema>;
