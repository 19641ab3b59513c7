/**
 * What is wrong with a `web` argument, in words an agent can act on: which field, what it must be, and the accepted
 * shape. zod's own answer for a union of a name and an object is "Invalid input" with both branches' issues; the
 * tools validate with this instead (mcp/schemas.ts), so a typo in a purpose or a field name says so. Pure.
 */
import type { z } from 'zod';
import { webFormats, webObjectSchema, webPurposes } from './purposes.js';

const purposeList = webPurposes.join(', ');
export const webObjectKeys = [
  'purpose',
  'widths',
  'formats',
  'max_bytes',
  'placeholder',
  'base_url',
] as const;
export const webShape = `a purpose (${purposeList}) or an object {${webObjectKeys.map((key) => `${key}?`).join(', ')}}`;

/**
 * Every problem with `value` as a `web` argument; none for a valid one (or none given). Each is worded to follow
 * "web: " (how the MCP SDK prefixes an issue of the `web` field).
 */
export function webOptionProblems(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') {
    return (webPurposes as readonly string[]).includes(value)
      ? []
      : [`"${value}" is not a purpose; use one of ${purposeList}, or an object {purpose?, widths?, …}.`];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`must be ${webShape}.`];
  const parsed = webObjectSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map(describeIssue);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./u, '');
  const field = issue.path[0];
  switch (issue.code) {
    case 'unrecognized_keys':
      return `no field ${issue.keys.map((key) => `"${key}"`).join(', ')}; it takes ${webObjectKeys.join(', ')}.`;
    case 'invalid_value':
      return field === 'purpose'
        ? `${where} must be one of ${purposeList}.`
        : `${where} must be one of ${webFormats.join(', ')}.`;
    case 'too_small':
    case 'too_big':
      return issue.origin === 'array'
        ? `${where} takes ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)} entries.`
        : `${where} must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}${field === 'max_bytes' ? ' bytes' : field === 'widths' ? ' px' : ''}.`;
    default:
      return `${where === '' ? '' : `${where}: `}${issue.message}.`.replace(/\.\.$/u, '.');
  }
}
