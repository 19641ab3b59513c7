/**
 * The markup to paste. A `<picture>` with one `<source>` per modern format and an `<img>` fallback, each with a
 * `srcset` of widths and the purpose's `sizes`, so the browser picks the smallest file that is sharp on its screen;
 * `width`/`height` reserve the space (no layout shift); `loading`, `decoding`, `fetchpriority` follow the purpose.
 * While the file loads, the `<img>` shows the placeholder as its background (dominant colour under the ThumbHash
 * image); images with transparency get none, since it would show through once loaded. For og, the meta tags
 * instead. Pure: strings in, string out.
 */
import type { WebFormat } from './purposes.js';

export interface SnippetVariant {
  url: string;
  format: WebFormat;
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

export const mimeTypeOf: Readonly<Record<WebFormat, string>> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

export function renderPicture(options: PictureOptions): string {
  const formats = [...new Set(options.variants.map((variant) => variant.format))];
  const fallbackFormat = formats.at(-1);
  if (fallbackFormat === undefined) throw new Error('renderPicture: no variants');
  const ofFormat = (format: WebFormat): SnippetVariant[] =>
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

function srcsetOf(variants: readonly SnippetVariant[]): string {
  return variants.map((variant) => `${variant.url} ${variant.width}w`).join(', ');
}

function element(name: string, attributes: readonly (readonly [string, string])[]): string {
  return `<${name} ${attributes.map(([key, value]) => `${key}="${escapeAttribute(value)}"`).join(' ')}>`;
}

export function escapeAttribute(value: string): string {
  return value.replace(/&/gu, '&amp;').replace(/"/gu, '&quot;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
}
