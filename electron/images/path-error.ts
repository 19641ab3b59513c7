/**
 * Why a path was refused or could not be used. Shared by the path policy (checks) and the folder handle (use), so
 * a folder that changed between the two is reported the same way as one refused up front.
 */
export type PathPolicyReason =
  | 'no-allowed-folders'
  | 'invalid-path'
  | 'outside-allowed-folders'
  | 'symlink'
  | 'is-directory'
  | 'parent-not-directory'
  | 'not-found'
  /** A folder on the way was replaced, moved or turned into a link while the bridge used it. */
  | 'changed';

export class PathPolicyError extends Error {
  override readonly name = 'PathPolicyError';
  constructor(
    readonly reason: PathPolicyReason,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error for a path that no longer leads to the object that was checked; `what` says what was left undone. */
export function pathChanged(changedPath: string, what: string): PathPolicyError {
  return new PathPolicyError(
    'changed',
    changedPath,
    `"${changedPath}" changed while the bridge was using it (a folder on the way was replaced, moved or turned into a symbolic link), so ${what}. Make sure nothing renames or re-links that folder during the call, then try again.`,
  );
}
