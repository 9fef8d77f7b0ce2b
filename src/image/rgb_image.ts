/** A decoded image: 8-bit RGB, rows of width*3 bytes, top row first. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}
