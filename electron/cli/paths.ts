import { dirname, join } from 'node:path';

/**
 * Where the bundled workflows are. From a checkout or an npm install they sit in the package; in the
 * packaged desktop app (the shim run with ELECTRON_RUN_AS_NODE) the package is app.asar and
 * electron-builder's extraResources put workflows/ beside it.
 */
export function bundledWorkflowsDirFor(packageRoot: string, exists: (path: string) => boolean): string {
  const inPackage = join(packageRoot, 'workflows');
  return exists(inPackage) ? inPackage : join(dirname(packageRoot), 'workflows');
}
