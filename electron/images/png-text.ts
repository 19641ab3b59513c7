/**
 * Reads and writes PNG text chunks, the place image tools (ComfyUI, A1111, exiftool) look for a generation's
 * prompt. Latin-1 values go into tEXt, anything else into uncompressed iTXt (UTF-8), both inserted before IEND.
 */
import { crc32 } from 'node:zlib';

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
  type: string;
  /** Offset of the chunk's length field. */
  start: number;
  data: Buffer;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= signature.length && signature.equals(Buffer.from(bytes.buffer, bytes.byteOffset, 8));
}

/**
 * `png` with one text chunk per entry added before IEND, as the pieces to write one after another: `png` up to
 * IEND (not copied), the text chunks, IEND. Copying a generated image of a few MB into one buffer costs about a
 * millisecond per call.
 */
export function pngTextParts(png: Buffer, entries: Record<string, string>): Buffer[] {
  const chunks = readChunks(png);
  const end = chunks.find((chunk) => chunk.type === 'IEND');
  if (!end) throw new Error('The PNG has no IEND chunk; it is truncated or not a PNG.');
  const added = Object.entries(entries).map(([keyword, text]) => encodeTextChunk(keyword, text));
  return [png.subarray(0, end.start), ...added, png.subarray(end.start)];
}

/**
 * Width and height from a PNG's header (its first chunk, IHDR), without decoding or a trip to libvips; undefined
 * for anything else.
 */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || !isPng(bytes) || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Every tEXt and iTXt entry (uncompressed ones; zTXt and compressed iTXt are skipped). */
export function readPngText(png: Buffer): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const chunk of readChunks(png)) {
    if (chunk.type === 'tEXt') {
      const separator = chunk.data.indexOf(0);
      if (separator > 0)
        entries[chunk.data.toString('latin1', 0, separator)] = chunk.data.toString('latin1', separator + 1);
    } else if (chunk.type === 'iTXt') {
      const entry = decodeInternationalText(chunk.data);
      if (entry) entries[entry.keyword] = entry.text;
    }
  }
  return entries;
}

function readChunks(png: Buffer): Chunk[] {
  if (!isPng(png)) throw new Error('Not a PNG file (the signature is missing).');
  const chunks: Chunk[] = [];
  let offset = signature.length;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const dataEnd = offset + 8 + length;
    if (dataEnd + 4 > png.length) throw new Error(`The PNG is truncated inside its ${type} chunk.`);
    chunks.push({ type, start: offset, data: png.subarray(offset + 8, dataEnd) });
    offset = dataEnd + 4;
    if (type === 'IEND') break;
  }
  return chunks;
}

function encodeTextChunk(keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/u.test(keyword) || /^ | $| {2}/u.test(keyword)) {
    throw new Error(
      `"${keyword}" is not a valid PNG text keyword (1–79 Latin-1 characters, no leading, trailing or double spaces).`,
    );
  }
  const latin1 = Array.from(text).every((c) => c !== '\u0000' && c.charCodeAt(0) <= 0xff);
  const data = latin1
    ? Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')])
    : Buffer.concat([
        Buffer.from(keyword, 'latin1'),
        // null separator, compression flag 0, compression method 0, empty language tag, empty translated keyword
        Buffer.from([0, 0, 0, 0, 0]),
        Buffer.from(text, 'utf8'),
      ]);
  return encodeChunk(latin1 ? 'tEXt' : 'iTXt', data);
}

function encodeChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

function decodeInternationalText(data: Buffer): { keyword: string; text: string } | undefined {
  const keywordEnd = data.indexOf(0);
  if (keywordEnd <= 0 || data[keywordEnd + 1] !== 0) return undefined;
  const languageEnd = data.indexOf(0, keywordEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  if (translatedEnd < 0) return undefined;
  return { keyword: data.toString('latin1', 0, keywordEnd), text: data.toString('utf8', translatedEnd + 1) };
}
