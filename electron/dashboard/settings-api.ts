import { settingsPatchSchema } from '../../shared/dashboard-api.js';
import { withHint } from '../errors.js';
import { STATUS_OBJECT_INFO_MAX_AGE_MS } from '../jobs/backend-pool.js';
import { definedOnly } from '../objects.js';
import { relativeFolderProblem } from '../settings.js';
import { lockedChanges, settingLockedError } from '../settings-lock.js';
import { chooseDefaultWorkflow } from '../workflows/default.js';
import type { LoadedWorkflowEntry } from '../workflows/library.js';
import { ApiProblem, invalid, parseJson, type ApiHandlers, type DashboardApiOptions } from './api-types.js';
import {
  describeDefault,
  lockedView,
  restartRequired,
  toSettingsView,
  toWorkflowView,
  type BackendCheck,
} from './views.js';

/** The settings and workflow /api routes: what the bridge runs with and which workflow it picks. */
export function createSettingsHandlers(
  options: DashboardApiOptions,
): Pick<ApiHandlers, 'workflows' | 'settings' | 'updateSettings'> {
  const { settings } = options;

  const settingsResponse = () => {
    const current = settings.get();
    return {
      settings: toSettingsView(current),
      restartRequired: restartRequired(options.running, current),
      locked: lockedView(settings.locked()),
      folderDefaults: options.folderDefaults,
    };
  };

  return {
    async workflows() {
      await options.pool.refreshObjectInfo(STATUS_OBJECT_INFO_MAX_AGE_MS);
      const entries = options.workflows.list();
      const backends = options.pool.ids();
      const views = options.pool.views();
      const workflows = entries.map((entry) => {
        const checks: BackendCheck[] =
          entry.status === 'ok'
            ? backends.map((backend) => {
                const info = options.pool.objectInfo(backend);
                return info
                  ? {
                      backend,
                      checked: true,
                      ...options.catalog.check(entry.id, info, options.pool.version(backend)),
                    }
                  : { backend, checked: false };
              })
            : [];
        return toWorkflowView(entry, checks);
      });
      const preferred = settings.get().defaultWorkflow;
      const loaded = entries.filter((entry): entry is LoadedWorkflowEntry => entry.status === 'ok');
      const choice = chooseDefaultWorkflow(
        loaded.map((entry) => ({ workflow: entry.workflow, source: entry.source })),
        views,
        preferred || undefined,
      );
      return {
        ...describeDefault(preferred, choice, views.length > 0),
        userFolder: options.userWorkflowsDir,
        ...definedOnly({ defaultLockedBy: settings.locked().defaultWorkflow }),
        workflows,
      };
    },

    settings: () => Promise.resolve(settingsResponse()),

    updateSettings({ body }) {
      const parsed = settingsPatchSchema.safeParse(parseJson(body));
      if (!parsed.success) throw invalid('invalid_settings', parsed.error);
      const patch = parsed.data;
      // Flags win over the dashboard: an edit of a setting a flag set is refused whole, before anything else.
      const refused = lockedChanges(definedOnly(patch), settings.get(), settings.locked());
      if (refused.length > 0) {
        const error = settingLockedError(refused, settings.locked());
        throw new ApiProblem(409, error.code, withHint(error.message, error.hint));
      }
      if (patch.defaultWorkflow && !options.workflows.get(patch.defaultWorkflow)) {
        throw new ApiProblem(
          400,
          'unknown_workflow',
          `There is no workflow "${patch.defaultWorkflow}"; pick one from the workflow list, or "" for the smart default.`,
        );
      }
      const relative = relativeFolderProblem(definedOnly(patch));
      if (relative) throw new ApiProblem(400, 'relative_path', relative);
      settings.update(definedOnly(patch));
      return Promise.resolve(settingsResponse());
    },
  };
}
