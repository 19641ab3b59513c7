import { draftAlt } from '../../../shared/alt-draft.js';

/**
 * The `<img>` tag the lightbox copies for an image without a web asset. Its `src` is the URL a page would use, by
 * the same rule as a web asset's snippet: under a `public/` or `static/` folder served from the site root, under
 * `assets/` from `/assets/`, else the file name beside the page. Pure.
 */
export function imgSnippet(image: { path: string; width: number; height: number; prompt: string }): string {
  const attributes = [
    `src="${escapeAttribute(srcOf(image.path))}"`,
    `width="${image.width}"`,
    `height="${image.height}"`,
    `alt="${escapeAttribute(draftAlt(image.prompt))}"`,
    'loading="lazy"',
    'decoding="async"',
  ];
  return `<img ${attributes.join(' ')}>`;
}

export function srcOf(path: string): string {
  const segments = path.split(/[\\/]/u).filter((segment) => segment !== '');
  const served = segments.findLastIndex((segment) => segment === 'public' || segment === 'static');
  const assets = segments.findLastIndex((segment) => segment === 'assets');
  const [start, prefix] =
    served >= 0 && served >= assets ? [served + 1, ''] : assets >= 0 ? [assets + 1, 'assets/'] : [-1, ''];
  if (start < 0 || start >= segments.length) return encodeURIComponent(segments.at(-1) ?? path);
  return `/${prefix}${segments.slice(start).map(encodeURIComponent).join('/')}`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/gu, '&amp;').replace(/"/gu, '&quot;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
}
