/**
 * list_generated_images: the gallery newest first, or the images in one folder the call may read, with cursor
 * pages and a text filter.
 */
import type { GenerationRecord } from '../../shared/generation.js';
import { BridgeError } from '../errors.js';
import type { DirectoryImage } from '../gallery/directory.js';
import { CursorError } from '../gallery/index.js';
import { isErrno } from '../images/errno.js';
import type { BridgeService } from '../mcp/service.js';
import { definedOnly } from '../objects.js';
import { readablePath } from './call-paths.js';
import { anchorsFor, policyFor } from './call-scope.js';
import type { ServiceDeps } from './service-deps.js';

export function listingCall(deps: ServiceDeps): Pick<BridgeService, 'listGeneratedImages'> {
  const { gallery } = deps;
  return {
    async listGeneratedImages(args, ctx) {
      const limit = args.limit ?? 50;
      const policy = policyFor(deps, ctx);
      const directory = args.directory
        ? await readablePath(policy, args.directory, await anchorsFor(deps, args.project_dir, ctx, policy))
        : undefined;
      const index = await gallery.loaded();
      let page;
      try {
        page = directory
          ? await index.listDirectory(directory, {
              ...definedOnly({ query: args.query, cursor: args.cursor }),
              limit,
            })
          : index.list({ ...definedOnly({ query: args.query, cursor: args.cursor }), limit });
      } catch (error) {
        // An altered or foreign cursor is the agent's mistake, not a bug: say so instead of "internal error".
        if (error instanceof CursorError) throw new BridgeError('invalid_cursor', error.message);
        if (directory && isErrno(error, 'ENOTDIR')) {
          throw new BridgeError('not_a_directory', `"${directory}" is a file, not a folder.`, {
            hint: 'Pass the folder that holds the images as directory, or leave it out to list the gallery.',
          });
        }
        throw error;
      }
      return {
        images: page.items.map((item) => ({
          path: item.path,
          bytes: item.bytes,
          ...describeListed(item),
        })),
        ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
      };
    },
  };
}

/** A listed file: gallery records carry their prompt and seed; plain files in a folder may not. */
function describeListed(item: GenerationRecord | DirectoryImage) {
  const record = 'createdAt' in item ? item : item.record;
  return {
    created_at: 'createdAt' in item ? item.createdAt : item.modifiedAt,
    ...definedOnly({ width: item.width, height: item.height, prompt: record?.prompt, seed: record?.seed }),
  };
}
