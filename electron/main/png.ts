import zlib from 'node:zlib';

/**
 * A minimal PNG encoder and the one badge drawing Gatehouse uses for its icons: the app icon
 * (scripts/make-icons.mjs writes build/*.png with it) and the tray icon, whose colour follows
 * the gateway's state (drawn at run time, so there are no per-state files to keep in sync).
 * Plain Node, no 'electron'.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** Encodes 8-bit RGBA pixels (row-major, width*height*4 bytes) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export type Rgb = readonly [number, number, number];

/**
 * The Gatehouse mark: a rounded square in `fill` with a white gate (two posts and an arch),
 * anti-aliased by 4×4 supersampling so it stays crisp from 16 px to 1024 px.
 */
export function drawBadge(size: number, fill: Rgb): Buffer {
  const px = new Uint8Array(size * size * 4);
  const S = 4;
  const r = size * 0.22; // corner radius
  const inRoundedSquare = (x: number, y: number): boolean => {
    const cx = Math.min(Math.max(x, r), size - r);
    const cy = Math.min(Math.max(y, r), size - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
  // The gate, in unit coordinates (0..1): an arch of outer radius 0.3 and inner 0.17 centred at
  // (0.5, 0.5), continued by two posts down to 0.8.
  const inGate = (u: number, v: number): boolean => {
    const dx = u - 0.5;
    const dy = v - 0.5;
    const d = Math.hypot(dx, dy);
    if (v <= 0.5) return d <= 0.3 && d >= 0.17;
    if (v > 0.8) return false;
    const ax = Math.abs(dx);
    return ax <= 0.3 && ax >= 0.17;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0;
      let white = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const fx = x + (sx + 0.5) / S;
          const fy = y + (sy + 0.5) / S;
          if (!inRoundedSquare(fx, fy)) continue;
          cover++;
          if (inGate(fx / size, fy / size)) white++;
        }
      }
      const i = (y * size + x) * 4;
      if (cover === 0) continue;
      const w = white / cover;
      px[i] = Math.round(fill[0] * (1 - w) + 255 * w);
      px[i + 1] = Math.round(fill[1] * (1 - w) + 255 * w);
      px[i + 2] = Math.round(fill[2] * (1 - w) + 255 * w);
      px[i + 3] = Math.round((255 * cover) / (S * S));
    }
  }
  return encodePng(size, size, px);
}

/** The brand colour of the app icon. */
export const BRAND: Rgb = [37, 99, 235];
