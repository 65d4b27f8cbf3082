/**
 * Draws the app icons into build/ (run: npx tsx scripts/make-icons.ts). electron-builder turns
 * build/icon.png into the macOS .icns and the Windows .ico, and uses build/icons/NxN.png on Linux.
 * The drawing is electron/png.ts's badge, the same one the tray uses, so the marks match.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BRAND, drawBadge } from '../electron/main/png';

const out = path.resolve(__dirname, '..', 'build');
fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
fs.writeFileSync(path.join(out, 'icon.png'), drawBadge(1024, BRAND));
for (const size of [16, 32, 48, 64, 128, 256, 512]) {
  fs.writeFileSync(path.join(out, 'icons', `${size}x${size}.png`), drawBadge(size, BRAND));
}
console.log(`icons written to ${path.relative(process.cwd(), out)}/`);
