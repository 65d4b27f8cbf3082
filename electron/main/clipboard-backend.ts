import { ClipboardItem, clipboard } from 'electron';
import type { ClipboardBackend } from '../core/secrets/clipboard';

/**
 * The system clipboard for the key's copy-and-clear, over Electron's clipboard module (the core's
 * ClipboardGuard decides when to clear; this only reads and writes). The key is written together
 * with the platform's marker that tells clipboard managers and history not to keep it, in one
 * atomic write (Electron 44+ ClipboardItem with raw OS formats).
 */
export class ElectronClipboardBackend implements ClipboardBackend {
  readonly name = 'Electron clipboard';

  async readText(): Promise<string | null> {
    const text = await clipboard.readText();
    return text === '' ? null : text;
  }

  /** Non-secret text (the endpoint URL): no marker, so clipboard history may keep it. */
  async writeText(text: string): Promise<void> {
    await clipboard.writeText(text);
  }

  async writeSecret(text: string): Promise<{ concealed: boolean }> {
    await clipboard.write([new ClipboardItem({ 'text/plain': text, ...secretMarkers() })]);
    return { concealed: true };
  }

  async clear(): Promise<void> {
    clipboard.clear();
  }
}

const raw = (format: string): string => `electron application/osclipboard;format="${format}"`;

function secretMarkers(): Record<string, Blob> {
  switch (process.platform) {
    case 'darwin':
      // The nspasteboard.org convention honoured by macOS clipboard managers.
      return { [raw('org.nspasteboard.ConcealedType')]: new Blob([]) };
    case 'win32':
      // Keeps the key out of clipboard history and cloud clipboard (DWORD 0 = not allowed).
      return {
        [raw('ExcludeClipboardContentFromMonitorProcessing')]: new Blob([new Uint8Array(4)]),
        [raw('CanIncludeInClipboardHistory')]: new Blob([new Uint8Array(4)]),
      };
    default:
      // KDE Klipper and other X11/Wayland managers skip entries with this hint.
      return { [raw('x-kde-passwordManagerHint')]: new Blob(['secret']) };
  }
}
