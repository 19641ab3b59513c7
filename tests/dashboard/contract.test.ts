import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { apiRoutes, DashboardEvent } from '../../shared/dashboard-api.js';
import type { ApiHandlers } from '../../electron/dashboard/api.js';
import type { EventsHub } from '../../electron/dashboard/events-hub.js';

/*
 * Type-level checks, enforced by `tsc -b` (npm run typecheck): each handler returns exactly its route's
 * response type, and every route of the contract has a handler.
 */

type Routes = typeof apiRoutes;
type Response<Name extends keyof Routes> = z.infer<Routes[Name]['response']>;
type HandlerResult<Name extends keyof Routes> = Awaited<ReturnType<ApiHandlers[Name]>>;

describe('dashboard handlers against the shared contract', () => {
  it('has one handler per route, each returning that route’s response', () => {
    expectTypeOf<keyof ApiHandlers>().toEqualTypeOf<keyof Routes>();
    expectTypeOf<HandlerResult<'status'>>().toEqualTypeOf<Response<'status'>>();
    expectTypeOf<HandlerResult<'batches'>>().toEqualTypeOf<Response<'batches'>>();
    expectTypeOf<HandlerResult<'cancelBatch'>>().toEqualTypeOf<Response<'cancelBatch'>>();
    expectTypeOf<HandlerResult<'gallery'>>().toEqualTypeOf<Response<'gallery'>>();
    expectTypeOf<HandlerResult<'deleteImage'>>().toEqualTypeOf<Response<'deleteImage'>>();
    expectTypeOf<HandlerResult<'revealImage'>>().toEqualTypeOf<Response<'revealImage'>>();
    expectTypeOf<HandlerResult<'workflows'>>().toEqualTypeOf<Response<'workflows'>>();
    expectTypeOf<HandlerResult<'settings'>>().toEqualTypeOf<Response<'settings'>>();
    expectTypeOf<HandlerResult<'updateSettings'>>().toEqualTypeOf<Response<'updateSettings'>>();
    expectTypeOf<HandlerResult<'connect'>>().toEqualTypeOf<Response<'connect'>>();
  });

  it('broadcasts only contract events', () => {
    expectTypeOf<Parameters<EventsHub['broadcast']>[0]>().toEqualTypeOf<DashboardEvent>();
  });
});
