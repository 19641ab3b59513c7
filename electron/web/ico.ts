/**
 * favicon.ico around an encoded PNG. Since Windows Vista an ICO entry may hold a PNG as it is, and every browser
 * reads that; it keeps the PNG's transparency and compression, so no BMP encoder is needed. Pure.
 */

const headerBytes = 6;
const entryBytes = 16;

/** An ICO file holding one square PNG image of `size` pixels (1–256). */
export function icoOfPng(png: Uint8Array, size: number): Buffer {
  if (!Number.isInteger(size) || size < 1 || size > 256)
    throw new RangeError(`an ICO image is 1–256 px, not ${size}`);
  const header = Buffer.alloc(headerBytes + entryBytes);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(1, 4); // one image
  // 0 stands for 256 in the one-byte width and height.
  header.writeUInt8(size % 256, 6);
  header.writeUInt8(size % 256, 7);
  header.writeUInt8(0, 8); // no palette
  header.writeUInt8(0, 9); // reserved
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.byteLength, 14);
  header.writeUInt32LE(headerBytes + entryBytes, 18);
  return Buffer.concat([header, png]);
}
