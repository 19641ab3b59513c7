// ESM resolve hook: inside the conformance packages only (the pinned release and the 2026 alpha), `fs` resolves to fs-with-glob.mjs.
const shim = new URL('./fs-with-glob.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const fromConformance = /\/@modelcontextprotocol\/conformance[^/]*\//.test(context.parentURL ?? '');
  if (fromConformance && (specifier === 'fs' || specifier === 'node:fs'))
    return { url: shim, shortCircuit: true };
  return nextResolve(specifier, context);
}
