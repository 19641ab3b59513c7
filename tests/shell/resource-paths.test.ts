import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveResourcePaths } from '../../electron/shell/resource-paths.js';

describe('resolveResourcePaths', () => {
  it('uses the project folders in development', () => {
    expect(resolveResourcePaths({ isPackaged: false, resourcesPath: '/r', appPath: '/project' })).toEqual({
      bundledWorkflowsDir: join('/project', 'workflows'),
      trayIconDir: join('/project', 'build'),
    });
  });

  it('uses the extraResources folders beside app.asar when packaged', () => {
    expect(
      resolveResourcePaths({ isPackaged: true, resourcesPath: '/opt/app/resources', appPath: '/x/app.asar' }),
    ).toEqual({
      bundledWorkflowsDir: join('/opt/app/resources', 'workflows'),
      trayIconDir: join('/opt/app/resources', 'tray'),
    });
  });
});
