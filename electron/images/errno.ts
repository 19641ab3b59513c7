/** Whether a thrown value is a Node system error with the given code (ENOENT, EEXIST, …). */
export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && codes.includes(code);
}
