/*
 * The names a skill or command text gives the agent, and the names the real tool schemas have: the skill's
 * accuracy test checks that every one of the first is among the second.
 */

/** Words in backticks that look like identifiers (tool, argument, field, value, workflow id, error code). */
export function documentedNames(markdown: string): string[] {
  const names = [...markdown.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
  return [...new Set(names.filter((name) => /^[a-z][a-z0-9_-]*$/.test(name)))];
}

/** Every property name and string enum/const value anywhere in the JSON Schemas ($defs included). */
export function namesInSchemas(schemas: unknown[]): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.properties && typeof record.properties === 'object') {
      for (const name of Object.keys(record.properties)) names.add(name);
    }
    if (Array.isArray(record.enum)) {
      for (const value of record.enum) if (typeof value === 'string') names.add(value);
    }
    if (typeof record.const === 'string') names.add(record.const);
    Object.values(record).forEach(visit);
  };
  schemas.forEach(visit);
  return names;
}
