import zlib from 'node:zlib';

/**
 * A real PNG of w × h pixels in one colour, built by hand (signature, IHDR, IDAT, IEND); `pad` bytes of tEXt
 * make it as large as a test needs.
 */
export function png(w: number, h: number, o: { pad?: number; rgb?: [number, number, number] } = {}) {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const [r, g, b] = o.rgb ?? [15, 118, 110];
  const pixel = Buffer.from([r, g, b]);
  const row = Buffer.concat([Buffer.from([0]), ...Array.from({ length: w }, () => pixel)]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(o.pad ? [chunk('tEXt', Buffer.alloc(o.pad, 0x61))] : []),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
