import { dirname } from 'node:path';
import type { z } from 'zod';
import { galleryQuerySchema } from '../../shared/dashboard-api.js';
import { DesktopUnavailableError, FileChangedError } from '../desktop-port.js';
import { withHint } from '../errors.js';
import { CursorError } from '../gallery/index.js';
import { ApiProblem, invalid, type ApiHandlers, type DashboardApiOptions } from './api-types.js';
import { toGalleryItem } from './views.js';

/** The gallery's /api routes: a page of generations, and deleting or revealing one. */
export function createGalleryHandlers(
  options: DashboardApiOptions,
): Pick<ApiHandlers, 'gallery' | 'deleteImage' | 'revealImage'> {
  const { gallery } = options;

  const recordOf = async (id: string) => {
    const record = (await gallery.loaded()).get(id);
    if (!record) throw new ApiProblem(404, 'image_not_found', `No generation with id ${id} in the gallery.`);
    return record;
  };

  const trashRecordedFile = async (
    id: string,
    path: string,
  ): Promise<{ file: 'trashed' | 'replaced' | 'missing'; message: string }> => {
    const checked = await (await gallery.loaded()).checkForMove(id);
    let problem = checked?.state === 'present' ? undefined : checked;
    if (checked?.state === 'present') {
      try {
        await options.desktop.moveToTrash(path, checked.file);
      } catch (error) {
        if (!(error instanceof FileChangedError))
          throw new ApiProblem(
            500,
            'trash_failed',
            `Could not move ${path} to the trash (${error instanceof Error ? error.message : String(error)}); ` +
              'check that the file is not open elsewhere and that its folder is writable.',
          );
        problem = { state: 'replaced', why: 'it changed while it was being moved' };
      } finally {
        await checked.close();
      }
    }
    if (!problem) return { file: 'trashed', message: `Moved to the trash: ${path}.` };
    return problem.state === 'replaced'
      ? {
          file: 'replaced',
          message: `Removed the entry only: the file at ${path} is not the one it made (${problem.why}), so it was left in place.`,
        }
      : { file: 'missing', message: `Removed the entry only: ${path} was already gone.` };
  };

  return {
    async gallery({ query }) {
      const parsed = galleryQuerySchema.safeParse(Object.fromEntries(query));
      if (!parsed.success) throw invalid('invalid_query', parsed.error);
      const index = await gallery.loaded();
      let page;
      try {
        page = index.list(definedQuery(parsed.data));
      } catch (error) {
        if (error instanceof CursorError) throw new ApiProblem(400, 'invalid_cursor', error.message);
        throw error;
      }
      const files = await index.fileStates(page.items);
      return {
        items: page.items.map((record, position) => toGalleryItem(record, files[position]!)),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
        total: index.size,
      };
    },

    async deleteImage({ id }) {
      const record = await recordOf(id);
      // Only the file this entry made is moved to the trash, and only while it still is that file; a file
      // replaced since (an overwrite, a folder swapped for a link) or already gone leaves just the entry to remove.
      const file = await trashRecordedFile(id, record.path);
      (await gallery.loaded()).remove(id);
      options.onImageRemoved(id);
      return { deleted: true as const, ...file };
    },

    async revealImage({ id }) {
      const { path } = await recordOf(id);
      try {
        options.desktop.revealInFolder(path);
      } catch (error) {
        if (!(error instanceof DesktopUnavailableError)) throw error;
        throw new ApiProblem(501, error.code, withHint(error.message, `Its folder is ${dirname(path)}.`));
      }
      return { ok: true as const };
    },
  };
}

function definedQuery(query: z.infer<typeof galleryQuerySchema>) {
  return {
    ...(query.query ? { query: query.query } : {}),
    ...(query.mode ? { mode: query.mode } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  };
}
