/**
 * Drops the keys whose value is undefined, so optional fields can be passed on without spelling out
 * `...(x !== undefined ? { x } : {})` for each one.
 */
export function definedOnly<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
