// ESM resolve hook: inside the conformance package only, `fs` resolves to fs-with-glob.mjs.
const shim = new URL('./fs-with-glob.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const fromConformance = context.parentURL?.includes('/@modelcontextprotocol/conformance/') ?? false;
  if (fromConformance && (specifier === 'fs' || specifier === 'node:fs'))
    return { url: shim, shortCircuit: true };
  return nextResolve(specifier, context);
}
