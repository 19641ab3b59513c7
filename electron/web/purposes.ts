/**
 * What a web image is for, and what follows from it: the `web` option's schema and the one table of purpose
 * defaults (width ladder, formats, byte budget, `sizes`, loading hints, shape). `planVariants` turns a source's size
 * and the option into the exact files to make, named predictably next to the main file. Pure: no I/O here.
 * (Over ~300 lines: the table is most of it, and every purpose's rule and plan sits beside its row.)
 */
import path from 'node:path';
import { z } from 'zod';

export const webPurposes = [
  'hero',
  'card',
  'thumbnail',
  'avatar',
  'icon',
  'og',
  'background',
  'favicon',
] as const;
export type WebPurpose = (typeof webPurposes)[number];

export const webFormats = ['avif', 'webp', 'jpeg', 'png'] as const;
export type WebFormat = (typeof webFormats)[number];

/** A made file's format: an encoding, or `ico`, a favicon.ico holding one PNG (every browser reads it). */
export type VariantFormat = WebFormat | 'ico';

/** The favicon set's sizes: favicon.ico, the iOS home-screen icon, and the two a web app manifest needs. */
export const faviconSizes = { ico: 32, appleTouch: 180, manifest: [192, 512] } as const;

/** Widths the browser most often asks for (phones at 2–3×, laptops, full-HD and retina desktops). */
export const deviceWidths = [640, 750, 828, 1080, 1200, 1920, 2048] as const;

/** `base_url` is where the files are served from: an absolute http(s) URL or a root-relative path. */
const baseUrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .refine((value) => value.startsWith('/') || /^https?:\/\/[^\s]+$/iu.test(value), {
    message: 'base_url must be an http(s) URL or a path starting with "/"',
  });

export const webObjectSchema = z
  .strictObject({
    purpose: z.enum(webPurposes).optional(),
    widths: z.array(z.int().min(16).max(4096)).min(1).max(12).optional(),
    formats: z.array(z.enum(webFormats)).min(1).max(4).optional(),
    max_bytes: z.int().min(1024).max(20_000_000).optional(),
    placeholder: z.boolean().optional(),
    base_url: baseUrlSchema.optional(),
  })
  .refine((web) => web.purpose !== 'og' || (web.widths === undefined && web.formats === undefined), {
    message: 'purpose "og" is always one 1200×630 JPEG (PNG with transparency): leave widths and formats out',
  })
  .refine((web) => web.purpose !== 'favicon' || (web.widths === undefined && web.formats === undefined), {
    message:
      'purpose "favicon" is always favicon.ico (32 px) and PNGs of 180, 192 and 512 px: leave widths and formats out',
  });

/** The `web` option of generate_image, edit_image and batch items: a purpose name or an object. */
export const webOptionSchema = z.union([z.enum(webPurposes), webObjectSchema]);
export type WebOption = z.infer<typeof webOptionSchema>;

export type Shape =
  /** The source's aspect ratio. */
  | { kind: 'source' }
  /** A centre-of-interest square crop. */
  | { kind: 'square' }
  /** Exactly this size, cropped to its interest (and enlarged if the source is smaller). */
  | { kind: 'fixed'; width: number; height: number }
  /** The favicon set (faviconSizes): exact squares cropped to the interest, enlarged if need be. */
  | { kind: 'icon-set' };

export interface PurposeDefaults {
  widths: readonly number[];
  /** The byte budget of each file at or below `budgetWidth`; wider files get it scaled by their area. */
  maxBytes: number;
  budgetWidth: number;
  shape: Shape;
  /** The `sizes` attribute: how wide the image is laid out (undefined for og and favicon: meta and link tags). */
  sizes?: string;
  loading: 'eager' | 'lazy';
  fetchPriority: 'high' | 'auto' | 'low';
  /** The CSS width the image is shown at, when the purpose fixes it (the `width`/`height` attributes then say so). */
  displayWidth?: number;
  /** Decorative images get `alt=""`, so screen readers skip them. */
  decorative: boolean;
}

const KB = 1000;

/**
 * The purposes table (docs/WEB-ASSETS.md shows it). Budgets follow common web-performance guidance: an LCP hero
 * around 200 KB on a laptop, cards and thumbnails far less; widths cover the layout width at 1–3× density.
 */
export const purposeDefaults: Readonly<Record<WebPurpose, PurposeDefaults>> = {
  hero: {
    widths: deviceWidths,
    maxBytes: 200 * KB,
    budgetWidth: 1200,
    shape: { kind: 'source' },
    sizes: '100vw',
    loading: 'eager',
    fetchPriority: 'high',
    decorative: false,
  },
  card: {
    widths: [640, 750, 828, 1080],
    maxBytes: 100 * KB,
    budgetWidth: 828,
    shape: { kind: 'source' },
    sizes: '(min-width: 1024px) 33vw, (min-width: 640px) 50vw, 100vw',
    loading: 'lazy',
    fetchPriority: 'auto',
    decorative: false,
  },
  thumbnail: {
    widths: [160, 320, 640],
    maxBytes: 30 * KB,
    budgetWidth: 640,
    shape: { kind: 'source' },
    sizes: '(min-width: 640px) 160px, 33vw',
    loading: 'lazy',
    fetchPriority: 'auto',
    decorative: false,
  },
  avatar: {
    widths: [64, 128, 256],
    maxBytes: 15 * KB,
    budgetWidth: 256,
    shape: { kind: 'square' },
    sizes: '64px',
    loading: 'lazy',
    fetchPriority: 'auto',
    displayWidth: 64,
    decorative: false,
  },
  icon: {
    widths: [48, 96, 192],
    maxBytes: 10 * KB,
    budgetWidth: 192,
    shape: { kind: 'square' },
    sizes: '48px',
    loading: 'lazy',
    fetchPriority: 'auto',
    displayWidth: 48,
    decorative: false,
  },
  og: {
    widths: [1200],
    maxBytes: 300 * KB,
    budgetWidth: 1200,
    shape: { kind: 'fixed', width: 1200, height: 630 },
    loading: 'lazy',
    fetchPriority: 'auto',
    decorative: false,
  },
  background: {
    widths: [640, 828, 1200, 1920, 2048],
    maxBytes: 250 * KB,
    budgetWidth: 1920,
    shape: { kind: 'source' },
    sizes: '100vw',
    loading: 'lazy',
    fetchPriority: 'low',
    decorative: true,
  },
  // A site's icon: link tags and a manifest's icons instead of a <picture>; PNG keeps transparency and every
  // browser, iOS and Android take it.
  favicon: {
    widths: [faviconSizes.ico, faviconSizes.appleTouch, ...faviconSizes.manifest],
    maxBytes: 30 * KB,
    budgetWidth: 192,
    shape: { kind: 'icon-set' },
    loading: 'lazy',
    fetchPriority: 'auto',
    decorative: false,
  },
};

/** Without a purpose, an object option means a card: lazy, no priority, a moderate budget. */
export const defaultPurpose: WebPurpose = 'card';

export interface SourceInfo {
  width: number;
  height: number;
  /** Some pixel is not fully opaque. */
  hasAlpha: boolean;
}

/** The option resolved against the purpose table. */
export interface WebSettings extends PurposeDefaults {
  purpose: WebPurpose;
  formats: readonly WebFormat[];
  placeholder: boolean;
  baseUrl?: string;
}

export function resolveWebSettings(web: WebOption, source: SourceInfo): WebSettings {
  const given = typeof web === 'string' ? { purpose: web } : web;
  const purpose = given.purpose ?? defaultPurpose;
  const defaults = purposeDefaults[purpose];
  return {
    ...defaults,
    purpose,
    widths: given.widths ?? defaults.widths,
    maxBytes: given.max_bytes ?? defaults.maxBytes,
    formats: orderFormats(given.formats ?? defaultFormats(purpose, source.hasAlpha)),
    // Link tags show no placeholder: a favicon makes one only when asked.
    placeholder: given.placeholder ?? purpose !== 'favicon',
    ...(given.base_url === undefined ? {} : { baseUrl: given.base_url }),
  };
}

/** AVIF and WebP for browsers that take them, then a fallback every browser takes: PNG when there is alpha. */
function defaultFormats(purpose: WebPurpose, hasAlpha: boolean): WebFormat[] {
  const fallback: WebFormat = hasAlpha ? 'png' : 'jpeg';
  if (purpose === 'favicon') return ['png'];
  return purpose === 'og' ? [fallback] : ['avif', 'webp', fallback];
}

/** Modern formats first: a `<picture>` takes the first `<source>` the browser supports. */
const formatPreference: readonly WebFormat[] = ['avif', 'webp', 'png', 'jpeg'];
function orderFormats(formats: readonly WebFormat[]): WebFormat[] {
  return formatPreference.filter((format) => formats.includes(format));
}

/** The widths to make: those below the cap, plus the cap itself when the ladder reaches it (never enlarging). */
export function capLadder(widths: readonly number[], cap: number): number[] {
  const sorted = [...new Set(widths)].sort((a, b) => a - b);
  const below = sorted.filter((width) => width < cap);
  return sorted.some((width) => width >= cap) ? [...below, cap] : below;
}

/** A file's budget: `maxBytes` up to the budget width, scaled by area beyond it (a 2048 px hero may weigh more). */
export function budgetFor(width: number, settings: Pick<WebSettings, 'maxBytes' | 'budgetWidth'>): number {
  if (width <= settings.budgetWidth) return settings.maxBytes;
  return Math.round(settings.maxBytes * (width / settings.budgetWidth) ** 2);
}

export const extensionOf: Readonly<Record<WebFormat, string>> = {
  avif: 'avif',
  webp: 'webp',
  jpeg: 'jpg',
  png: 'png',
};

/** `<stem>-<width>.<ext>` next to the main file; og is `<stem>-og.<ext>`. */
export function variantPath(mainPath: string, label: string | number, format: WebFormat): string {
  const stem = path.basename(mainPath, path.extname(mainPath));
  return path.join(path.dirname(mainPath), `${stem}-${label}.${extensionOf[format]}`);
}

export interface PlannedVariant {
  path: string;
  /** The encoding. */
  format: WebFormat;
  /** Wrapped after encoding: `ico`, a favicon.ico holding the PNG. */
  container?: 'ico';
  /** Transparent pixels are flattened onto this colour: iOS shows a home-screen icon's transparency as black. */
  background?: string;
  width: number;
  height: number;
  /** How the source becomes this size: scaled whole, or cropped to its centre of interest. */
  fit: 'fill' | 'cover';
  maxBytes: number;
  /** Shrinking to meet the budget stays wider than this: the next smaller width (0 if none; og: its own width). */
  floorWidth: number;
}

export interface WebPlan {
  settings: WebSettings;
  variants: PlannedVariant[];
}

/** Every file to make for `web`, in format then width order. */
export function planVariants(source: SourceInfo, web: WebOption, mainPath: string): WebPlan {
  const settings = resolveWebSettings(web, source);
  const { shape } = settings;
  if (shape.kind === 'icon-set') return { settings, variants: planFavicon(settings, mainPath) };
  if (shape.kind === 'fixed') {
    const [format = 'jpeg'] = settings.formats;
    const variant: PlannedVariant = {
      path: variantPath(mainPath, settings.purpose, format),
      format,
      width: shape.width,
      height: shape.height,
      fit: 'cover',
      maxBytes: settings.maxBytes,
      // Exactly 1200×630: never shrunk to meet the budget.
      floorWidth: shape.width,
    };
    return { settings, variants: [variant] };
  }
  const cap = shape.kind === 'square' ? Math.min(source.width, source.height) : source.width;
  const widths = capLadder(settings.widths, cap);
  const heightOf = (width: number): number =>
    shape.kind === 'square' ? width : Math.max(1, Math.round((width * source.height) / source.width));
  const variants = settings.formats.flatMap((format) =>
    widths.map((width, index) => ({
      path: variantPath(mainPath, width, format),
      format,
      width,
      height: heightOf(width),
      fit: shape.kind === 'square' ? ('cover' as const) : ('fill' as const),
      maxBytes: budgetFor(width, settings),
      floorWidth: widths[index - 1] ?? 0,
    })),
  );
  return { settings: { ...settings, widths }, variants };
}

/**
 * The favicon set: `favicon.ico` (32 px; the name browsers ask a site for) beside the main file, the 180 px
 * `apple-touch-icon` flattened onto white, and the manifest's 192 and 512 px. Exact sizes, never shrunk to meet a
 * budget, enlarged from a smaller source as og is.
 */
function planFavicon(settings: WebSettings, mainPath: string): PlannedVariant[] {
  const square = (width: number): Omit<PlannedVariant, 'path'> => ({
    format: 'png',
    width,
    height: width,
    fit: 'cover',
    maxBytes: budgetFor(width, settings),
    floorWidth: width,
  });
  return [
    {
      ...square(faviconSizes.ico),
      path: path.join(path.dirname(mainPath), 'favicon.ico'),
      container: 'ico',
    },
    {
      ...square(faviconSizes.appleTouch),
      path: variantPath(mainPath, faviconSizes.appleTouch, 'png'),
      background: '#ffffff',
    },
    ...faviconSizes.manifest.map((width) => ({
      ...square(width),
      path: variantPath(mainPath, width, 'png'),
    })),
  ];
}

/**
 * The names of the files `web` will make beside `mainPath` for an image of `size`, whatever its transparency decides
 * (the fallback's format); a call refuses taken ones before any GPU time is spent. A file shrunk to meet its budget
 * is named by its new width, which nobody can tell beforehand: make-web-asset.ts refuses that one when it is known.
 */
export function certainVariantNames(
  web: WebOption,
  size: { width: number; height: number },
  mainPath: string,
): string[] {
  const namesOf = (hasAlpha: boolean) =>
    planVariants({ ...size, hasAlpha }, web, mainPath).variants.map((variant) => path.basename(variant.path));
  const opaque = new Set(namesOf(false));
  return namesOf(true).filter((name) => opaque.has(name));
}
