// Records what a real ComfyUI answers to image and mask uploads and to graphs that load them, for the fake
// ComfyUI (tests/fakes/) and docs/COMFYUI-UPLOADS.md.
//
//   node scripts/capture-uploads.mjs BASE_URL OUT_DIR
//
// Start the real-ComfyUI kit first (its README: real/start.sh PORT). Each run uses fresh file names (a run
// tag), so it can be repeated against the same server; nothing is written outside ComfyUI's own folders and
// OUT_DIR. Images in the transcripts are described (size, channels, a few pixels), never stored.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const [base, outDir] = process.argv.slice(2);
if (!base || !outDir) {
  console.error('usage: node scripts/capture-uploads.mjs BASE_URL OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const tag = Date.now().toString(36);
let failures = 0;

function check(condition, what) {
  if (!condition) {
    failures += 1;
    console.error(`CHECK FAILED: ${what}`);
  }
}

/** One exchange: the request as sent (files described) and the answer (JSON, text or a byte count). */
async function exchange(method, path, { json, form, fields } = {}) {
  const init = { method };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers = { 'content-type': 'application/json' };
  }
  if (form) init.body = form;
  const response = await fetch(base + path, init);
  const body = Buffer.from(await response.arrayBuffer());
  const contentType = response.headers.get('content-type') ?? '';
  const record = { method, path, status: response.status, contentType };
  if (json !== undefined) record.requestBody = json;
  if (fields) record.requestFields = fields;
  if (contentType.includes('json')) record.json = JSON.parse(body.toString('utf8'));
  else if (contentType.startsWith('text/')) record.text = body.toString('utf8');
  else record.bytes = body.length;
  return { record, body };
}

async function upload(endpoint, bytes, name, extra = {}) {
  const form = new FormData();
  const fields = bytes === null ? {} : { image: `<file ${name}, ${bytes.length} bytes>` };
  if (bytes !== null) form.append('image', new Blob([bytes]), name);
  for (const [key, value] of Object.entries(extra)) {
    form.append(key, value);
    fields[key] = value;
  }
  return (await exchange('POST', endpoint, { form, fields })).record;
}

/** Size, channels and the corner and centre pixels (RGBA) of an image ComfyUI serves. */
async function describe(bytes) {
  const image = sharp(bytes);
  const meta = await image.metadata();
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const pixel = (x, y) => [...data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4)];
  return {
    format: meta.format,
    width: meta.width,
    height: meta.height,
    channels: meta.channels,
    hasAlpha: meta.hasAlpha,
    topLeft: pixel(0, 0),
    centre: pixel(info.width >> 1, info.height >> 1),
    bottomRight: pixel(info.width - 1, info.height - 1),
  };
}

async function view(ref) {
  const query = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type });
  const { record, body } = await exchange('GET', `/view?${query}`);
  return record.status === 200 ? await describe(body) : record;
}

/** Queues a graph and waits (polling /history, bounded) for its end; outputs' images described. */
async function run(key, graph) {
  const promptId = `capture-${tag}-${key}`;
  const { record } = await exchange('POST', '/prompt', { json: { prompt: graph, prompt_id: promptId } });
  if (record.status !== 200) return { submit: record };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { record: history } = await exchange('GET', `/history/${promptId}`);
    const entry = history.json?.[promptId];
    if (
      entry?.status?.completed !== undefined &&
      (entry.status.completed || entry.status.status_str === 'error')
    ) {
      const images = {};
      for (const [node, output] of Object.entries(entry.outputs ?? {}))
        images[node] = await Promise.all((output.images ?? []).map(view));
      const messages = entry.status.messages.map(([type, data]) => [
        type,
        type === 'execution_error'
          ? {
              node_type: data.node_type,
              exception_type: data.exception_type,
              exception_message: data.exception_message,
            }
          : {},
      ]);
      return {
        submit: { ...record, json: { ...record.json, prompt_id: '<id>', number: '<n>' } },
        status: entry.status.status_str,
        messages,
        outputs: entry.outputs,
        images,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prompt ${promptId} did not finish within 60 s`);
}

const rgbPng = (width, height, rgb) =>
  sharp({ create: { width, height, channels: 3, background: rgb } })
    .png()
    .toBuffer();

/** A mask drawn like a mask editor saves one: black everywhere, alpha 0 (= change) in the left half. */
async function editorMask(width, height) {
  const raw = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw[(y * width + x) * 4 + 3] = x < width / 2 ? 0 : 255;
  return sharp(raw, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

const source = await rgbPng(16, 12, { r: 200, g: 40, b: 40 });
const other = await rgbPng(16, 12, { r: 40, g: 200, b: 40 });
const mask = await editorMask(16, 12);
const name = `bridge-${tag}.png`;

// ---- POST /upload/image --------------------------------------------------------------------------------
const image = {
  first: await upload('/upload/image', source, name, { type: 'input' }),
  sameBytesAgain: await upload('/upload/image', source, name),
  differentBytesSameName: await upload('/upload/image', other, name),
  differentBytesOverwrite: await upload('/upload/image', other, name, { overwrite: 'true' }),
  overwriteOne: await upload('/upload/image', source, name, { overwrite: '1' }),
  subfolder: await upload('/upload/image', source, name, { subfolder: `bridge-${tag}` }),
  subfolderEscaping: await upload('/upload/image', source, name, { subfolder: '../..' }),
  nameWithSlash: await upload('/upload/image', source, `sub/${name}`),
  noImagePart: await upload('/upload/image', null, name, { type: 'input' }),
  notAnImage: await upload('/upload/image', Buffer.from('plain text'), `bridge-${tag}.txt`),
};
check(image.sameBytesAgain.json?.name === name, 'same bytes keep the name');
check(image.differentBytesSameName.json?.name === `bridge-${tag} (1).png`, 'different bytes get (1)');
check(image.subfolderEscaping.status === 400, 'escaping subfolder is 400');

// ---- POST /upload/mask -------------------------------------------------------------------------------
// The source first (the mask's original_ref names it), then the mask: ComfyUI writes the source's RGB with
// the mask's alpha under the mask's name.
const sourceName = `bridge-${tag}-source.png`;
const maskName = `bridge-${tag}-mask.png`;
const sourceUpload = await upload('/upload/image', source, sourceName);
const originalRef = JSON.stringify({ filename: sourceName, type: 'input', subfolder: '' });
const maskUploads = {
  source: sourceUpload,
  mask: await upload('/upload/mask', mask, maskName, { type: 'input', original_ref: originalRef }),
  sameMaskAgain: await upload('/upload/mask', mask, maskName, { type: 'input', original_ref: originalRef }),
  originalMissing: await upload('/upload/mask', mask, `bridge-${tag}-orphan.png`, {
    type: 'input',
    original_ref: JSON.stringify({ filename: `bridge-${tag}-absent.png`, type: 'input', subfolder: '' }),
  }),
  originalTraversal: await upload('/upload/mask', mask, `bridge-${tag}-traversal.png`, {
    type: 'input',
    original_ref: JSON.stringify({ filename: '../secret.png', type: 'input', subfolder: '' }),
  }),
  noOriginalRef: await upload('/upload/mask', mask, `bridge-${tag}-noref.png`, { type: 'input' }),
};
const maskFiles = {
  written: await view({ filename: maskName, subfolder: '', type: 'input' }),
  originalMissing: await view({ filename: `bridge-${tag}-orphan.png`, subfolder: '', type: 'input' }),
};
check(maskFiles.written.hasAlpha === true, 'the mask upload writes an RGBA file');

// ---- Graphs that load the uploads --------------------------------------------------------------------
const save = (from, slot = 0) => ({
  class_type: 'SaveImage',
  inputs: { images: [from, slot], filename_prefix: `bridge-${tag}` },
});
const graphs = {
  loadImage: { 1: { class_type: 'LoadImage', inputs: { image: name } }, 2: save('1') },
  loadImageSubfolder: {
    1: { class_type: 'LoadImage', inputs: { image: `bridge-${tag}/${name}` } },
    2: save('1'),
  },
  loadImageAnnotated: { 1: { class_type: 'LoadImage', inputs: { image: `${name} [input]` } }, 2: save('1') },
  loadImageMissing: {
    1: { class_type: 'LoadImage', inputs: { image: `bridge-${tag}-absent.png` } },
    2: save('1'),
  },
  loadImageNotAnImage: {
    1: { class_type: 'LoadImage', inputs: { image: image.notAnImage.json?.name ?? 'x.txt' } },
    2: save('1'),
  },
  loadImageMaskMissing: {
    1: { class_type: 'LoadImageMask', inputs: { image: `bridge-${tag}-absent.png`, channel: 'alpha' } },
    2: { class_type: 'LoadImage', inputs: { image: name } },
    3: { class_type: 'JoinImageWithAlpha', inputs: { image: ['2', 0], alpha: ['1', 0] } },
    4: save('3'),
  },
  loadImageMaskBadChannel: {
    1: { class_type: 'LoadImageMask', inputs: { image: maskName, channel: 'purple' } },
    2: { class_type: 'LoadImage', inputs: { image: name } },
    3: { class_type: 'JoinImageWithAlpha', inputs: { image: ['2', 0], alpha: ['1', 0] } },
    4: save('3'),
  },
  // LoadImage's MASK is 1 - alpha; JoinImageWithAlpha sets alpha = 1 - mask: the round trip keeps alpha.
  loadImageMaskAlphaJoin: {
    1: { class_type: 'LoadImageMask', inputs: { image: maskName, channel: 'alpha' } },
    2: { class_type: 'LoadImage', inputs: { image: name } },
    3: { class_type: 'JoinImageWithAlpha', inputs: { image: ['2', 0], alpha: ['1', 0] } },
    4: save('3'),
  },
  loadImageOwnMaskJoin: {
    1: { class_type: 'LoadImage', inputs: { image: maskName } },
    2: { class_type: 'JoinImageWithAlpha', inputs: { image: ['1', 0], alpha: ['1', 1] } },
    3: save('2'),
  },
  padForOutpaint: {
    1: { class_type: 'LoadImage', inputs: { image: name } },
    2: {
      class_type: 'ImagePadForOutpaint',
      inputs: { image: ['1', 0], left: 8, top: 0, right: 4, bottom: 2, feathering: 0 },
    },
    3: save('2'),
    4: { class_type: 'JoinImageWithAlpha', inputs: { image: ['2', 0], alpha: ['2', 1] } },
    5: save('4'),
  },
  scaleInvert: {
    1: { class_type: 'LoadImage', inputs: { image: name } },
    2: {
      class_type: 'ImageScale',
      inputs: { image: ['1', 0], upscale_method: 'nearest-exact', width: 32, height: 24, crop: 'disabled' },
    },
    3: { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
    4: save('3'),
  },
};
const runs = {};
for (const [key, graph] of Object.entries(graphs)) runs[key] = { graph, ...(await run(key, graph)) };
check(runs.loadImage.status === 'success', 'LoadImage of the upload runs');
check(runs.loadImageMissing.submit.status === 400, 'a missing LoadImage file is refused at validation');

const anonymise = (value) => JSON.parse(JSON.stringify(value).replaceAll(tag, '<tag>'));
const write = (file, value) =>
  writeFileSync(join(outDir, file), `${JSON.stringify(anonymise(value), null, 2)}\n`);
write('upload-image.json', { comfyui: '0.3.64', note: '<tag> stands for a per-run tag', uploads: image });
write('upload-mask.json', {
  comfyui: '0.3.64',
  uploads: maskUploads,
  files: maskFiles,
  originalRef: JSON.parse(originalRef),
});
write('upload-graphs.json', { comfyui: '0.3.64', runs });
console.log(failures === 0 ? 'all checks passed' : `${failures} checks failed`);
process.exit(failures === 0 ? 0 : 1);
