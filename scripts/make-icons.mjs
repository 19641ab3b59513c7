// Draws the app icon and the tray icons (one per tray state) from SVG with sharp, into build/.
// Run: npm run icons. The PNGs are committed, so packaging needs no extra step.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const buildDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'build');

const colours = {
  frame: '#4C6EF5',
  idle: '#4C6EF5',
  busy: '#2F9E44',
  unreachable: '#E03131',
  paused: '#F08C00',
};

// Badges sit bottom-right on a 32×32 canvas; a knocked-out ring keeps them legible over the frame.
const badges = {
  idle: '',
  busy: '<circle cx="24" cy="24" r="5" fill="BADGE"/>',
  unreachable:
    '<path d="M20.5 20.5 L27.5 27.5 M27.5 20.5 L20.5 27.5" stroke="BADGE" stroke-width="3" stroke-linecap="round"/>',
  paused:
    '<rect x="20" y="19.5" width="3" height="9" rx="1" fill="BADGE"/><rect x="25" y="19.5" width="3" height="9" rx="1" fill="BADGE"/>',
};

/** A picture frame with a mountain and a sun (images), plus the state's badge. */
function traySvg(state, template) {
  const frame = template ? '#000' : colours.frame;
  const badge = template ? '#000' : colours[state];
  const knockout = state === 'idle' ? '' : '<circle cx="24" cy="24" r="8.5" fill="#000"/>';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">
  <defs><mask id="m"><rect width="32" height="32" fill="#fff"/>${knockout}</mask></defs>
  <g mask="url(#m)">
    <rect x="2.5" y="5.5" width="23" height="19" rx="3" fill="none" stroke="${frame}" stroke-width="2.5"/>
    <path d="M5 22 L11.5 14 L16 19 L19 16 L24 22 Z" fill="${frame}"/>
    <circle cx="19" cy="10.5" r="2" fill="${frame}"/>
  </g>
  ${badges[state].replaceAll('BADGE', badge)}
</svg>`;
}

function appIconSvg() {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="#364FC7"/><stop offset="1" stop-color="#1C7ED6"/>
  </linearGradient></defs>
  <rect x="64" y="64" width="896" height="896" rx="200" fill="url(#bg)"/>
  <rect x="232" y="262" width="560" height="460" rx="56" fill="none" stroke="#fff" stroke-width="48"/>
  <path d="M290 668 L450 470 L560 590 L634 516 L736 668 Z" fill="#fff"/>
  <circle cx="628" cy="384" r="48" fill="#fff"/>
  <path d="M370 820 h284" stroke="#fff" stroke-width="40" stroke-linecap="round" opacity="0.85"/>
</svg>`;
}

/** Rasterises at the target size (density scales from the SVG's own width) rather than scaling a bitmap. */
async function render(svg, svgWidth, size, file) {
  const png = await sharp(Buffer.from(svg), { density: (72 * size) / svgWidth })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toBuffer();
  await writeFile(join(buildDir, file), png);
  return file;
}

await mkdir(buildDir, { recursive: true });
const written = [await render(appIconSvg(), 1024, 1024, 'icon.png')];
for (const state of Object.keys(badges)) {
  for (const template of [false, true]) {
    const base = `tray-${state}${template ? 'Template' : ''}`;
    // Electron picks name@2x.png on high-DPI screens when loading name.png.
    written.push(await render(traySvg(state, template), 32, 16, `${base}.png`));
    written.push(await render(traySvg(state, template), 32, 32, `${base}@2x.png`));
  }
}
process.stderr.write(`wrote ${written.length} icons to ${buildDir}\n`);
