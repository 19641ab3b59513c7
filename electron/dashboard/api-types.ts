import type { z } from 'zod';
import type { apiRoutes, FolderDefaults, StatusView } from '../../shared/dashboard-api.js';
import type { Settings } from '../../shared/settings.js';
import type { WorkflowCatalog } from '../bridge/catalog.js';
import type { DesktopPort } from '../desktop-port.js';
import type { GalleryHandle } from '../gallery/index.js';
import type { BackendPool } from '../jobs/backend-pool.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { ModelSetup } from '../models/setup.js';
import type { SettingsService } from '../settings.js';
import type { ChecklistService } from '../setup/checklist-service.js';
import type { ComfyStarter } from '../setup/start-comfyui.js';
import type { WorkflowLibrary } from '../workflows/library.js';
import type { ShimCommand } from './connect.js';
import type { McpbBundle } from './mcpb-download.js';
import type { ApiRouteName } from './routes.js';
import type { ItemContext, restartSettings } from './views.js';
import { isNestedDeeperThan, MAX_JSON_NESTING } from '../http/json-depth.js';

/*
 * What the dashboard's /api handlers share, whichever area they serve (api.ts, gallery-api.ts, settings-api.ts):
 * the core's parts they are given, the handler shape, and how a refusal or a bad body is answered.
 */

/** The core's parts the dashboard serves from (index.ts builds the dashboard, the /api handlers use them). */
export interface DashboardParts {
  scheduler: Scheduler;
  pool: BackendPool;
  gallery: GalleryHandle;
  workflows: WorkflowLibrary;
  catalog: WorkflowCatalog;
  settings: SettingsService;
  desktop: DesktopPort;
  logger: Logger;
}

export interface DashboardApiOptions extends DashboardParts {
  items: ItemContext;
  status(): StatusView;
  mcpUrl(): string;
  networkMcpUrls(): readonly string[];
  userWorkflowsDir: string;
  /** What the folder settings stand for when empty: shown in the Settings view's empty fields. */
  folderDefaults: FolderDefaults;
  shim: ShimCommand;
  /** The .mcpb download's file name and where to look for it. */
  mcpb: McpbBundle;
  /** The start-up settings the bridge runs with; a change to them is reported as needing a restart. */
  running: Pick<Settings, (typeof restartSettings)[number]>;
  /** Told when the dashboard deleted a generation, for the live events. */
  onImageRemoved(id: string): void;
  models: ModelSetup;
  checklist: ChecklistService;
  comfyStarter: ComfyStarter;
}

/** What a route handler gets: the `:id`, the query string and the raw body. */
export interface ApiRequest {
  id: string;
  query: URLSearchParams;
  body: Buffer;
}

export type ResponseOf<Name extends ApiRouteName> = z.infer<(typeof apiRoutes)[Name]['response']>;
/** One handler per contract route, each returning exactly that route's response type. */
export type ApiHandlers = { [Name in ApiRouteName]: (request: ApiRequest) => Promise<ResponseOf<Name>> };

/** A refusal a person can act on; becomes an apiErrorSchema body with the status. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The request body as JSON; refuses one nested too deep or not JSON at all. */
export function parseJson(body: Buffer): unknown {
  if (isNestedDeeperThan(body)) {
    throw new ApiProblem(
      400,
      'json_too_deep',
      `The request body nests more than ${MAX_JSON_NESTING} arrays or objects inside one another; send the flat JSON object the route expects.`,
    );
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ApiProblem(400, 'invalid_json', 'The request body is not JSON; send a JSON object.');
  }
}

export function invalid(code: string, error: z.ZodError): ApiProblem {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return new ApiProblem(400, code, `${where}${issue?.message ?? 'invalid request'}`);
}
