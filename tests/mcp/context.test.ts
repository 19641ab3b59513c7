import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { advertise, unadvertised } from '../../electron/mcp/advertise.js';
import { rootsFromListAnswer } from '../../electron/mcp/context.js';

describe('rootsFromListAnswer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bridge-roots-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('turns file URIs into absolute directories, once each', () => {
    const uri = pathToFileURL(dir).href;
    expect(rootsFromListAnswer({ roots: [{ uri, name: 'p' }, { uri }] })).toEqual([dir]);
  });

  it('ignores what is not a local file URI, and malformed answers', () => {
    const answer = {
      roots: [{ uri: 'https://example.com/repo' }, { uri: 'file://fileserver/share' }],
    };
    expect(rootsFromListAnswer(answer)).toEqual([]);
    expect(rootsFromListAnswer(undefined)).toEqual([]);
    expect(rootsFromListAnswer({ roots: 'nope' })).toEqual([]);
  });
});

describe('advertise', () => {
  const schema = z.object({
    name: z.string().min(2),
    nested: z.object({ n: z.number() }).optional(),
    id: z.string().max(9).meta(unadvertised('maxLength')).optional(),
  });

  it('advertises without the dialect marker or unadvertised caps, and result schemas without required/additionalProperties/types', () => {
    const advertised = advertise(schema)['~standard'].jsonSchema;
    const input = advertised.input({ target: 'draft-2020-12' });
    expect(input).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 2 },
        nested: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
        id: { type: 'string' },
      },
      required: ['name'],
    });
    expect(advertised.output({ target: 'draft-2020-12' })).toEqual({
      type: 'object',
      properties: { name: { minLength: 2 }, nested: { properties: { n: {} } }, id: {} },
    });
  });

  it('keeps validating exactly like the zod schema', async () => {
    const validate = advertise(schema)['~standard'].validate;
    expect(await validate({ name: 'ok' })).toEqual({ value: { name: 'ok' } });
    expect(await validate({ name: 'x' })).toHaveProperty('issues');
    expect(await validate({ name: 'ok', id: 'x'.repeat(10) })).toHaveProperty('issues');
  });
});
