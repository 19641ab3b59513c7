import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentVariables } from '../../electron/cli/options.js';
import { packageRoot } from '../cli/built-cli.js';

/* server.json for the official MCP registry, checked against the registry's published schema (vendored). */

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const schemaPath = join(import.meta.dirname, 'fixtures', 'server.schema.2025-12-11.json');

interface ServerJson {
  $schema: string;
  name: string;
  version: string;
  description: string;
  packages: {
    registryType: string;
    identifier: string;
    version: string;
    packageArguments: { type: string; value?: string }[];
    environmentVariables: { name: string }[];
  }[];
}

const serverJson = readJson(join(packageRoot, 'server.json')) as unknown as ServerJson;
const packageJson = readJson(join(packageRoot, 'package.json')) as {
  name: string;
  version: string;
  mcpName: string;
  bin: Record<string, string>;
};

describe('server.json', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    const ajv = new Ajv({ allErrors: true });
    ajv.addKeyword('example'); // an OpenAPI annotation the generated schema carries
    addFormats(ajv);
    validate = ajv.compile(readJson(schemaPath));
  });

  it('names the vendored schema it is checked against', () => {
    expect(serverJson.$schema).toBe(readJson(schemaPath).$id);
  });

  it('is valid against the registry’s published schema', () => {
    const valid = validate(serverJson);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the validation really checks: a long description, a name without namespace, "latest" are refused', () => {
    expect(validate({ ...serverJson, description: 'x'.repeat(101) })).toBe(false);
    expect(validate({ ...serverJson, name: 'comfyui-mcp-bridge' })).toBe(false);
    const latest = { ...serverJson.packages[0], version: 'latest' };
    expect(validate({ ...serverJson, packages: [latest] })).toBe(false);
  });

  it('matches package.json: mcpName, version, npm package name', () => {
    expect(serverJson.name).toBe(packageJson.mcpName);
    expect(serverJson.version).toBe(packageJson.version);
    const [npm] = serverJson.packages;
    expect(npm).toMatchObject({
      registryType: 'npm',
      identifier: packageJson.name,
      version: packageJson.version,
    });
    expect(Object.keys(packageJson.bin)).toEqual([packageJson.name]);
  });

  it('runs the stdio command with environment variables the CLI reads', () => {
    const [npm] = serverJson.packages;
    expect(npm!.packageArguments).toEqual([{ type: 'positional', value: 'stdio' }]);
    const known: string[] = Object.values(environmentVariables);
    const named = npm!.environmentVariables.map((variable) => variable.name);
    expect(named.filter((name) => !known.includes(name))).toEqual([]);
    expect(named).toEqual(['COMFYUI_URL', 'COMFYUI_MCP_OUTPUT_DIR']);
  });
});
