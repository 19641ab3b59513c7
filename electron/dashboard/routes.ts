import { apiRoutes, imageRoutes } from '../../shared/dashboard-api.js';

/*
 * Matching a request to the contract's routes. Pure: method and path in, route name and `:id` out.
 */

export type ApiRouteName = keyof typeof apiRoutes;
export type ImageRouteName = keyof typeof imageRoutes;

export type RouteMatch =
  | { kind: 'api'; name: ApiRouteName; id?: string }
  | { kind: 'image'; name: ImageRouteName; id: string }
  | { kind: 'wrong_method'; allowed: string[] }
  | { kind: 'none' };

interface Template<Name> {
  name: Name;
  method: string;
  segments: string[];
}

const split = (path: string) => path.split('/').slice(1);

const apiTemplates: Template<ApiRouteName>[] = (Object.keys(apiRoutes) as ApiRouteName[]).map((name) => ({
  name,
  method: apiRoutes[name].method,
  segments: split(apiRoutes[name].path),
}));
const imageTemplates: Template<ImageRouteName>[] = (Object.keys(imageRoutes) as ImageRouteName[]).map(
  (name) => ({ name, method: 'GET', segments: split(imageRoutes[name]) }),
);

/** The `:id` of a path that fits the template, '' for a template without one, undefined when it does not fit. */
function fit(template: readonly string[], segments: readonly string[]): string | undefined {
  if (template.length !== segments.length) return undefined;
  let id = '';
  for (const [index, part] of template.entries()) {
    const segment = segments[index] as string;
    if (part === ':id') {
      if (segment === '') return undefined;
      try {
        id = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
    } else if (part !== segment) return undefined;
  }
  return id;
}

export function matchRoute(method: string, path: string): RouteMatch {
  const segments = split(path);
  const allowed: string[] = [];
  for (const template of apiTemplates) {
    const id = fit(template.segments, segments);
    if (id === undefined) continue;
    if (template.method === method) return { kind: 'api', name: template.name, ...(id ? { id } : {}) };
    allowed.push(template.method);
  }
  for (const template of imageTemplates) {
    const id = fit(template.segments, segments);
    if (id === undefined) continue;
    if (method === 'GET' || method === 'HEAD') return { kind: 'image', name: template.name, id };
    allowed.push('GET', 'HEAD');
  }
  return allowed.length > 0 ? { kind: 'wrong_method', allowed } : { kind: 'none' };
}
