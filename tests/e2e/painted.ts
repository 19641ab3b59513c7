import sharp from 'sharp';

/**
 * Picture-like images for the dashboard's screenshots: a two-colour sky, a glowing sun and a hill line, each in
 * its own hues, under film grain. Real generations are textured; flat colour fields make the gallery look empty.
 */
export async function paintedPng(width: number, height: number, index: number): Promise<Buffer> {
  const hue = (index * 47) % 360;
  const sky = hsl(hue, 0.65, 0.72);
  const ground = hsl((hue + 40) % 360, 0.5, 0.3);
  const sun = hsl((hue + 180) % 360, 0.9, 0.85);
  const hill = hsl((hue + 200) % 360, 0.35, 0.2);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="${sky}"/><stop offset="1" stop-color="${ground}"/>
      </linearGradient>
      <radialGradient id="sun"><stop offset="0" stop-color="${sun}"/><stop offset="1" stop-color="${sun}" stop-opacity="0"/></radialGradient>
    </defs>
    <rect width="100%" height="100%" fill="url(#sky)"/>
    <circle cx="${width * (0.25 + (index % 3) * 0.25)}" cy="${height * 0.3}" r="${Math.min(width, height) * 0.3}" fill="url(#sun)"/>
    <path d="M0 ${height * 0.75} Q ${width * 0.3} ${height * (0.5 + (index % 4) * 0.05)} ${width * 0.6} ${height * 0.7} T ${width} ${height * 0.62} V ${height} H 0 Z" fill="${hill}" opacity="0.9"/>
  </svg>`;
  const grain = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 28 },
    },
  })
    .png()
    .toBuffer();
  return sharp(Buffer.from(svg))
    .composite([{ input: grain, blend: 'soft-light' }])
    .png()
    .toBuffer();
}

function hsl(hue: number, saturation: number, lightness: number): string {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const [r, g, b] =
    hue < 60
      ? [chroma, x, 0]
      : hue < 120
        ? [x, chroma, 0]
        : hue < 180
          ? [0, chroma, x]
          : hue < 240
            ? [0, x, chroma]
            : hue < 300
              ? [x, 0, chroma]
              : [chroma, 0, x];
  const hex = (value: number) =>
    Math.round((value + m) * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}
