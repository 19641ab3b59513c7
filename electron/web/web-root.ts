/**
 * Which URL a page uses for a file: under the project's `public/` or `static/` (Next.js, Vite, SvelteKit, Astro,
 * Hugo, Gatsby) a file is served from the site root; under `assets/` (Jekyll, plain static sites) from `/assets/`;
 * with `base_url` from there. Elsewhere the URL is relative to the project folder, or just the file name without
 * one, and `root: "none"` says the agent must check it. Pure: decided from the paths alone.
 */
import path from 'node:path';

export type WebRootKind = 'public' | 'static' | 'assets' | 'base_url' | 'project' | 'none';

export interface WebUrl {
  url: string;
  root: WebRootKind;
}

/** Folders whose content a framework serves from the site root. */
const rootServed = ['public', 'static'] as const;

export function webUrlOf(file: string, options: { projectDir?: string; baseUrl?: string }): WebUrl {
  if (options.baseUrl !== undefined) {
    const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    return { url: base + encodeSegment(path.basename(file)), root: 'base_url' };
  }
  if (options.projectDir !== undefined) {
    const relative = path.relative(path.resolve(options.projectDir), path.resolve(file));
    const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
    if (inside) {
      const segments = relative.split(path.sep);
      const [top, ...rest] = segments;
      const served = rootServed.find((name) => name === top);
      if (served && rest.length > 0) return { url: urlOf(rest), root: served };
      if (top === 'assets' && rest.length > 0) return { url: urlOf(segments), root: 'assets' };
      return { url: urlOf(segments), root: 'project' };
    }
  }
  return { url: encodeSegment(path.basename(file)), root: 'none' };
}

function urlOf(segments: readonly string[]): string {
  return `/${segments.map(encodeSegment).join('/')}`;
}

/** Percent-encoded, so spaces and commas cannot break a `srcset` list. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment);
}
