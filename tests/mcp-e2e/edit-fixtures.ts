import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { CallResult } from './clients.js';

/** The model-free edit workflows (core nodes + SlowProgress), used as the user workflows folder. */
export const editWorkflowsDir = resolve(import.meta.dirname, '..', 'fixtures', 'edit-workflows');

/** 40 × 30: blue on the left half, white on the right (the edit-workflow suite's source). */
export async function sourcePng(): Promise<Buffer> {
  const raw = Buffer.alloc(40 * 30 * 3);
  for (let i = 0; i < 40 * 30; i++) raw.set(i % 40 < 20 ? [0, 20, 200] : [255, 255, 255], i * 3);
  return sharp(raw, { raw: { width: 40, height: 30, channels: 3 } })
    .png()
    .toBuffer();
}

/** A project folder with public/hero.png in it; returns the folder and the source's path. */
export async function projectWithSource(
  parent: string,
  name: string,
): Promise<{ site: string; hero: string }> {
  const site = join(parent, name);
  mkdirSync(join(site, 'public'), { recursive: true });
  const hero = join(site, 'public', 'hero.png');
  writeFileSync(hero, await sourcePng());
  return { site, hero };
}

export interface EditedImage {
  path: string;
  width: number;
  height: number;
  format: string;
  source: string;
  has_alpha?: boolean;
  transparent_fraction?: number;
  saved_to_reason?: string;
}

export function editedImage(result: CallResult): EditedImage {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  const content = result.structuredContent as { status: string; images: EditedImage[] };
  expect(content.status).toBe('completed');
  expect(content.images).toHaveLength(1);
  return content.images[0]!;
}

/** The code of a refused call: a domain error's, or `invalid_params` for arguments the tool's schema refused. */
export function errorCode(result: CallResult): string {
  expect(result.isError, JSON.stringify(result.content)).toBe(true);
  const structured = result.structuredContent as { error?: { code: string } } | undefined;
  expect(structured?.error, JSON.stringify(result.content)).toBeDefined();
  return structured!.error!.code;
}

export async function rgba(file: string | Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Pixels (x, y) of `a` that differ from `b`, for those where `where` holds. */
export function differing(
  a: { data: Buffer; width: number },
  b: { data: Buffer },
  where: (x: number, y: number) => boolean,
): number {
  let count = 0;
  for (let i = 0; i < a.data.length / 4; i++) {
    const x = i % a.width;
    const y = Math.floor(i / a.width);
    if (!where(x, y)) continue;
    if (a.data.readUInt32BE(i * 4) !== b.data.readUInt32BE(i * 4)) count += 1;
  }
  return count;
}
