/** Page sizes and opaque cursors shared by the gallery's listings. */

export const defaultPageSize = 50;
export const maxPageSize = 500;

export class CursorError extends Error {
  override readonly name = 'CursorError';
  constructor() {
    super(
      'The cursor is not one this gallery issued (or it was altered); omit it to start again from the newest.',
    );
  }
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return defaultPageSize;
  return Math.min(maxPageSize, Math.max(1, Math.floor(limit)));
}

/** A cursor names the last item of a page by its sort key, so it survives items being added or removed. */
export function encodeCursor(key: readonly [string | number, string]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T extends string | number>(
  cursor: string,
  first: 'string' | 'number',
): [T, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== first ||
    typeof parsed[1] !== 'string'
  ) {
    throw new CursorError();
  }
  return parsed as [T, string];
}
