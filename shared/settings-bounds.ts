/*
 * Bounds the settings schema (settings.ts) and the command line both check. Apart from the schema so the
 * command line reads them without loading zod: the stdio shim must answer its client within a second.
 */

/** The bounds of `maxPendingJobs`, also checked by the command line's --max-pending. */
export const maxPendingJobsRange = { min: 1, max: 100_000 } as const;
