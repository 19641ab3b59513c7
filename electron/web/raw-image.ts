/** Decoded pixels passed between the web modules: decoded once, resized once per variant, encoded many times. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  /** 4 when the image has transparency worth keeping, else 3. */
  channels: 3 | 4;
}

/** sharp's input options for a RawImage. */
export function rawInput(image: RawImage): { raw: { width: number; height: number; channels: 3 | 4 } } {
  return { raw: { width: image.width, height: image.height, channels: image.channels } };
}
