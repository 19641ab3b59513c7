import { join } from 'node:path';

export interface ResourceLocation {
  isPackaged: boolean;
  /** process.resourcesPath in a packaged app. */
  resourcesPath: string;
  /** The project root in development (app.getAppPath()). */
  appPath: string;
}

export interface ResourcePaths {
  bundledWorkflowsDir: string;
  trayIconDir: string;
}

/** Packaged, electron-builder's extraResources put workflows/ and the tray icons beside app.asar. */
export function resolveResourcePaths({
  isPackaged,
  resourcesPath,
  appPath,
}: ResourceLocation): ResourcePaths {
  return isPackaged
    ? { bundledWorkflowsDir: join(resourcesPath, 'workflows'), trayIconDir: join(resourcesPath, 'tray') }
    : { bundledWorkflowsDir: join(appPath, 'workflows'), trayIconDir: join(appPath, 'build') };
}
