import { ClipboardItem, clipboard } from 'electron';
import { GatehouseError } from '../core/errors';
import type { ClipboardBackend } from '../core/secrets/clipboard';
import { isWaylandSession, judgeCopy, readThroughWlPaste, sha256 } from './clipboard-check';

/**
 * The system clipboard for the key's copy-and-clear, over Electron's clipboard module (the core's
 * ClipboardGuard decides when to clear; this only reads and writes). The key is written together
 * with the platform's marker that tells clipboard managers and history not to keep it, in one
 * atomic write (Electron 44+ ClipboardItem with raw OS formats).
 */
export class ElectronClipboardBackend implements ClipboardBackend {
  readonly name = 'Electron clipboard';
  /** `windowFocused`: whether the app's window has keyboard focus (Wayland accepts only its writes). */
  constructor(private readonly windowFocused: () => boolean = () => false) {}

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
    if (isWaylandSession(process.platform, process.env)) {
      const verdict = judgeCopy(await readThroughWlPaste(), sha256(text), this.windowFocused());
      if (!verdict.ok) {
        throw new GatehouseError(
          'CLIPBOARD_UNAVAILABLE',
          `The key was not copied. ${verdict.why}`,
          'Open the Gatehouse window and use Copy there; with wl-clipboard installed Gatehouse can also check copies made from the tray.',
        );
      }
    }
    return { concealed: true };
  }

  async clear(): Promise<void> {
    clipboard.clear();
  }

  /** Synchronous clear, for a quit the OS asks for (nothing may be awaited then). */
  clearSync(): void {
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
