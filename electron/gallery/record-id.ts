/** Ids become thumbnail file names, so they are restricted to characters that are safe in any file name. */
export const recordIdPattern = /^[A-Za-z0-9_-]{1,128}$/u;
