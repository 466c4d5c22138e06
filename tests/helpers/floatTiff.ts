/**
 * A float32 TIFF (uncompressed, one strip, little-endian), written out by hand: sharp writes TIFF
 * at 8 bits only, and the decoder tests need the float photos that scanners and HDR tools write.
 */
export function floatTiff(width: number, height: number, channels: 1 | 3, samples: Float32Array): Buffer {
  if (samples.length !== width * height * channels) throw new Error('samples do not match the size');
  const pixelBytes = samples.length * 4;
  const entries: Array<[tag: number, type: number, count: number, value: number | number[]]> = [
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, channels, Array(channels).fill(32)],
    [259, 3, 1, 1],
    [262, 3, 1, channels === 1 ? 1 : 2],
    [273, 4, 1, 0], // strip offset, set below
    [277, 3, 1, channels],
    [278, 4, 1, height],
    [279, 4, 1, pixelBytes],
    [284, 3, 1, 1],
    [339, 3, channels, Array(channels).fill(3)],
  ];
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extra = ifdOffset + ifdSize;
  const extras: Array<{ at: number; values: number[] }> = [];
  // Arrays longer than the 4 bytes of an entry go after the directory; the entry points at them.
  for (const entry of entries) {
    const values = entry[3];
    if (Array.isArray(values) && values.length * 2 > 4) {
      extras.push({ at: extra, values });
      entry[3] = extra;
      extra += values.length * 2;
    }
  }
  const stripOffset = extra + (extra % 4 === 0 ? 0 : 4 - (extra % 4));
  entries.find((e) => e[0] === 273)![3] = stripOffset;
  const out = Buffer.alloc(stripOffset + pixelBytes);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdOffset, 4);
  out.writeUInt16LE(entries.length, ifdOffset);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    if (Array.isArray(value)) value.forEach((v, j) => out.writeUInt16LE(v, at + 8 + j * 2));
    else if (type === 3 && count === 1) out.writeUInt16LE(value, at + 8);
    else out.writeUInt32LE(value, at + 8);
  });
  out.writeUInt32LE(0, ifdOffset + 2 + entries.length * 12);
  for (const { at, values } of extras) values.forEach((v, j) => out.writeUInt16LE(v, at + j * 2));
  Buffer.from(samples.buffer, samples.byteOffset, pixelBytes).copy(out, stripOffset);
  return out;
}
