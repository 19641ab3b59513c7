/**
 * check_comfyui_status: each backend as the bridge sees it (reachable, queue, version, device and memory) and
 * whether it can run the default workflow, read from ComfyUI's lists as they are now.
 */
import { deviceTitle } from '../../shared/devices.js';
import { BridgeError } from '../errors.js';
import { STATUS_OBJECT_INFO_MAX_AGE_MS, type BackendPool } from '../jobs/backend-pool.js';
import type { Logger } from '../log.js';
import type { ComfyStatus } from '../mcp/schemas.js';
import type { BridgeService } from '../mcp/service.js';
import type { WorkflowCatalog } from './catalog.js';
import type { ServiceDeps } from './service-deps.js';

/** The MCP side never downloads a model (agents do not spend the user's disk): it points to the dashboard's button. */
export const askForModelDownload =
  'Do not download models yourself: ask the user to click "Download model" in the bridge dashboard (Status).';

export function comfyStatusCall(deps: ServiceDeps): Pick<BridgeService, 'checkComfyuiStatus'> {
  const { pool, catalog, settings, logger } = deps;
  return {
    async checkComfyuiStatus() {
      // The user may have just added or deleted a model file: answer from ComfyUI's lists as they are now.
      await pool.refreshObjectInfo(STATUS_OBJECT_INFO_MAX_AGE_MS);
      return comfyStatus(pool, catalog, settings.get().defaultWorkflow, logger);
    },
  };
}

function comfyStatus(
  pool: BackendPool,
  catalog: WorkflowCatalog,
  preferred: string,
  logger: Logger,
): ComfyStatus {
  let defaultId: string | undefined;
  let noDefault: string | undefined;
  try {
    defaultId = catalog.resolveId(preferred || undefined);
  } catch (error) {
    logger.debug('no default workflow to check', { error });
    // Without this the agent sees reachable backends and only learns at generate_image that nothing can run.
    if (error instanceof BridgeError) noDefault = `${error.message} ${askForModelDownload}`;
  }
  return {
    ...(noDefault ? { no_default_workflow: noDefault } : {}),
    backends: pool.snapshot().map((backend) => {
      const device = backend.stats?.devices[0];
      const objectInfo = pool.objectInfo(backend.id);
      const check =
        defaultId && objectInfo ? catalog.check(defaultId, objectInfo, backend.stats?.version) : undefined;
      return {
        url: backend.url,
        reachable: backend.available,
        queue_length: backend.queueRemaining,
        ...(backend.stats ? { version: backend.stats.version } : {}),
        ...(device
          ? {
              device: deviceTitle(device),
              device_type: device.type,
              memory_total_bytes: device.vramTotal,
              memory_free_bytes: device.vramFree,
            }
          : {}),
        ...(defaultId && check
          ? {
              default_workflow: {
                id: defaultId,
                can_run: check.runnable,
                missing_node_types: check.missingNodeTypes,
                missing_models: check.missingModels,
              },
            }
          : {}),
        ...(backend.problem && !backend.available ? { error: backend.problem } : {}),
      };
    }),
  };
}
