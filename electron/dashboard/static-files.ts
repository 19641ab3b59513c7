import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log.js';
import { sendError } from './respond.js';

/*
 * The built dashboard (vite's output), served at `/` by the core's own server. Only files inside the folder,
 * only by exact path; no listings, no dotfiles. The token is not needed here: the page holds no data, the API does.
 */

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The dashboard's Content-Security-Policy: its own scripts, its own API and live-events websocket (at the
 * address the browser used), inline styles (React style props), and images from the API or data/blob URLs.
 */
export function dashboardCsp(hostHeader: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://${hostHeader}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The file a URL path names inside `root`, or undefined when it names nothing servable: traversal, dotfiles,
 * backslashes or NULs, an encoded slash. `/` is index.html. Pure: it does not look at the disk.
 */
export function staticFileFor(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || /[\\\0]/.test(decoded) || /%2f/i.test(urlPath)) return undefined;
  const relativePath = decoded === '/' ? 'index.html' : decoded.slice(1);
  const segments = relativePath.split('/');
  if (
    segments.some(
      (segment) => segment === '' || segment === '.' || segment === '..' || segment.startsWith('.'),
    )
  )
    return undefined;
  const file = resolve(root, ...segments);
  const inside = relative(resolve(root), file);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? file : undefined;
}

/** Hashed build assets never change under their name; everything else (index.html) is checked on every load. */
export function cacheControlFor(urlPath: string): string {
  return urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export interface StaticSiteOptions {
  /** The built dashboard folder (dist/renderer). */
  root: string;
  logger: Logger;
}

export function createStaticSite(options: StaticSiteOptions) {
  const { root, logger } = options;
  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, 'method_not_allowed', `${req.method} is not supported here.`);
    }
    const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = staticFileFor(root, urlPath);
    const found = file === undefined ? undefined : await servableFile(root, file);
    if (found === undefined) {
      if (urlPath === '/')
        return sendError(
          res,
          404,
          'dashboard_not_built',
          `The dashboard is not built (no index.html in ${root}); run \`npm run build\`.`,
        );
      return sendError(res, 404, 'not_found', `Nothing at ${urlPath}.`);
    }
    res.writeHead(200, {
      'Content-Type': contentTypeOf(found.path),
      'Content-Length': found.size,
      'Cache-Control': cacheControlFor(urlPath),
      'Content-Security-Policy': dashboardCsp(req.headers.host ?? 'localhost'),
      'X-Content-Type-Options': 'nosniff',
      // The page URL carries the dashboard token until the page strips it; never send it on as a referrer.
      'Referrer-Policy': 'no-referrer',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(found.path), res).catch((error: unknown) => {
      logger.warn('sending a dashboard file failed', { file: found.path, error: String(error) });
      res.destroy();
    });
  };
}

/** A regular file whose real path (symlinks resolved) is still inside the real root. */
async function servableFile(root: string, file: string): Promise<{ path: string; size: number } | undefined> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    const inside = relative(realRoot, realFile);
    if (!inside || inside.startsWith('..') || isAbsolute(inside)) return undefined;
    const info = await stat(realFile);
    return info.isFile() ? { path: realFile, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}
