import sharp from 'sharp';

/**
 * Photographic-like test images, made procedurally so they need no fixture files: a sky-to-ground gradient,
 * soft-edged shapes, fine texture (value noise at several scales) and a little sensor grain, lightly blurred as a
 * lens would. They compress like photos, unlike flat colours that make any budget trivial.
 */
export interface PhotoOptions {
  width: number;
  height: number;
  /** A transparent background around the subject (a cut-out). */
  alpha?: boolean;
  /** Grain amplitude (0–255); high values make an image that no budget can hold. */
  grain?: number;
  seed?: number;
}

export async function photoPixels(options: PhotoOptions): Promise<{ data: Buffer; channels: 3 | 4 }> {
  const { width, height } = options;
  const channels = options.alpha ? 4 : 3;
  const random = mulberry32(options.seed ?? 7);
  const lattice = Array.from({ length: 64 * 64 }, () => random());
  const noise = (x: number, y: number): number => {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const at = (i: number, j: number): number => lattice[((j & 63) << 6) | (i & 63)] ?? 0;
    const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
    const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
    return top * (1 - fy) + bottom * fy;
  };
  const circles = Array.from({ length: 9 }, () => ({
    x: random() * width,
    y: height * (0.35 + random() * 0.6),
    r: Math.min(width, height) * (0.05 + random() * 0.15),
    color: [random() * 255, random() * 200, random() * 160],
  }));
  const grain = options.grain ?? 6;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const texture = noise(u * 8, v * 8) * 0.5 + noise(u * 32, v * 32) * 0.3 + noise(u * 128, v * 128) * 0.2;
      const horizon = v < 0.45;
      let r = horizon ? 70 + 80 * v + 30 * texture : 60 + 90 * texture + 40 * u;
      let g = horizon ? 120 + 90 * v + 20 * texture : 80 + 70 * texture;
      let b = horizon ? 200 + 40 * v : 40 + 50 * texture;
      let inside = 0;
      for (const circle of circles) {
        const d = Math.hypot(x - circle.x, y - circle.y) / circle.r;
        const weight = Math.max(0, Math.min(1, (1.1 - d) * 5));
        if (weight > 0) {
          inside = Math.max(inside, weight);
          r = r * (1 - weight) + (circle.color[0] ?? 0) * (0.7 + 0.3 * texture) * weight;
          g = g * (1 - weight) + (circle.color[1] ?? 0) * (0.7 + 0.3 * texture) * weight;
          b = b * (1 - weight) + (circle.color[2] ?? 0) * (0.7 + 0.3 * texture) * weight;
        }
      }
      const at = (y * width + x) * channels;
      data[at] = clamp(r + (random() - 0.5) * grain);
      data[at + 1] = clamp(g + (random() - 0.5) * grain);
      data[at + 2] = clamp(b + (random() - 0.5) * grain);
      if (channels === 4) data[at + 3] = Math.round(255 * inside);
    }
  }
  const blurred = await sharp(data, { raw: { width, height, channels } }).blur(0.8).raw().toBuffer();
  return { data: blurred, channels };
}

/** The photo as a PNG file's bytes, as ComfyUI would hand it over. */
export async function photoPng(options: PhotoOptions): Promise<Buffer> {
  const { data, channels } = await photoPixels(options);
  return sharp(data, { raw: { width: options.width, height: options.height, channels } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
