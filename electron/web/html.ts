/**
 * The markup to paste. A `<picture>` with one `<source>` per modern format and an `<img>` fallback, each with a
 * `srcset` of widths and the purpose's `sizes`, so the browser picks the smallest file that is sharp on its screen;
 * `width`/`height` reserve the space (no layout shift); `loading`, `decoding`, `fetchpriority` follow the purpose.
 * While the file loads, the `<img>` shows the placeholder as its background (dominant colour under the ThumbHash
 * image); images with transparency get none, since it would show through once loaded. For og, the meta tags
 * instead; for a favicon, the link tags and the web app manifest's icons. Pure: strings in, string out.
 */
import { faviconSizes, type VariantFormat } from './purposes.js';

export interface SnippetVariant {
  url: string;
  format: VariantFormat;
  width: number;
  height: number;
}

export interface PictureOptions {
  /** Every variant; the last format (in the plan's modern-first order) is the `<img>` fallback. */
  variants: readonly SnippetVariant[];
  alt: string;
  sizes: string;
  loading: 'eager' | 'lazy';
  fetchPriority: 'high' | 'auto' | 'low';
  /** The CSS width the purpose shows the image at; else the fallback's largest width. */
  displayWidth?: number;
  placeholder?: { dataUrl: string; color: string };
}

export const mimeTypeOf: Readonly<Record<VariantFormat, string>> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
  ico: 'image/x-icon',
};

export function renderPicture(options: PictureOptions): string {
  const formats = [...new Set(options.variants.map((variant) => variant.format))];
  const fallbackFormat = formats.at(-1);
  if (fallbackFormat === undefined) throw new Error('renderPicture: no variants');
  const ofFormat = (format: VariantFormat): SnippetVariant[] =>
    options.variants.filter((variant) => variant.format === format).sort((a, b) => a.width - b.width);
  const fallback = ofFormat(fallbackFormat);
  const largest = fallback.at(-1) ?? fallback[0];
  if (!largest) throw new Error('renderPicture: no fallback variant');
  const width = options.displayWidth ?? largest.width;
  const height = Math.max(1, Math.round((width * largest.height) / largest.width));
  const style = ['max-width:100%', 'height:auto'];
  if (options.placeholder) {
    style.push(
      `background:${options.placeholder.color} url(${options.placeholder.dataUrl}) center/cover no-repeat`,
    );
  }
  const img = element('img', [
    ['src', largest.url],
    ['srcset', srcsetOf(fallback)],
    ['sizes', options.sizes],
    ['width', String(width)],
    ['height', String(height)],
    ['alt', options.alt],
    ['loading', options.loading],
    ['decoding', 'async'],
    ['fetchpriority', options.fetchPriority],
    ['style', style.join(';')],
  ]);
  if (formats.length === 1) return img;
  const sources = formats.slice(0, -1).map((format) =>
    element('source', [
      ['type', mimeTypeOf[format]],
      ['srcset', srcsetOf(ofFormat(format))],
      ['sizes', options.sizes],
    ]),
  );
  return ['<picture>', ...sources.map((source) => `  ${source}`), `  ${img}`, '</picture>'].join('\n');
}

/** Open Graph and Twitter card tags for a share image; `url` should be absolute (pass `base_url`). */
export function renderOgMeta(variant: SnippetVariant, alt: string): string {
  const tags: [string, string, string][] = [
    ['property', 'og:image', variant.url],
    ['property', 'og:image:type', mimeTypeOf[variant.format]],
    ['property', 'og:image:width', String(variant.width)],
    ['property', 'og:image:height', String(variant.height)],
    ['property', 'og:image:alt', alt],
    ['name', 'twitter:card', 'summary_large_image'],
  ];
  return tags
    .map(([key, name, content]) =>
      element('meta', [
        [key, name],
        ['content', content],
      ]),
    )
    .join('\n');
}

/** An entry of a web app manifest's `icons`. */
export interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
}

/** The favicon set's tags for `<head>`, and the icons for the site's web app manifest (faviconSizes). */
export function renderFaviconLinks(variants: readonly SnippetVariant[]): {
  html: string;
  manifestIcons: ManifestIcon[];
} {
  const ico = variants.find((variant) => variant.format === 'ico');
  const pngOf = (width: number) =>
    variants.find((variant) => variant.format === 'png' && variant.width === width);
  const appleTouch = pngOf(faviconSizes.appleTouch);
  const manifest = faviconSizes.manifest.flatMap((width) => pngOf(width) ?? []);
  const sizesOf = (variant: SnippetVariant) => `${variant.width}x${variant.height}`;
  const links: (readonly (readonly [string, string])[])[] = [];
  if (ico)
    links.push([
      ['rel', 'icon'],
      ['href', ico.url],
      ['sizes', sizesOf(ico)],
    ]);
  const [smallest] = manifest;
  if (smallest)
    links.push([
      ['rel', 'icon'],
      ['type', mimeTypeOf.png],
      ['href', smallest.url],
      ['sizes', sizesOf(smallest)],
    ]);
  if (appleTouch)
    links.push([
      ['rel', 'apple-touch-icon'],
      ['href', appleTouch.url],
    ]);
  return {
    html: links.map((attributes) => element('link', attributes)).join('\n'),
    manifestIcons: manifest.map((variant) => ({
      src: variant.url,
      sizes: sizesOf(variant),
      type: mimeTypeOf[variant.format],
    })),
  };
}

function srcsetOf(variants: readonly SnippetVariant[]): string {
  return variants.map((variant) => `${variant.url} ${variant.width}w`).join(', ');
}

function element(name: string, attributes: readonly (readonly [string, string])[]): string {
  return `<${name} ${attributes.map(([key, value]) => `${key}="${escapeAttribute(value)}"`).join(' ')}>`;
}

export function escapeAttribute(value: string): string {
  return value.replace(/&/gu, '&amp;').replace(/"/gu, '&quot;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
}
