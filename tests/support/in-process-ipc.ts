import type { InvokeEventLike, IpcMainLike } from '../../electron/main/ipc-main';
import type { IpcRendererLike } from '../../electron/preload/preload-api';

type Frame = InvokeEventLike['senderFrame'];
type RendererListener = (event: unknown, ...args: unknown[]) => void;

/**
 * An in-process stand-in for Electron's IPC pair, with the same shapes as ipcMain, ipcRenderer
 * and webContents.send. Values are structured-cloned both ways, as Electron's IPC does, so a
 * payload that could not cross the real boundary fails here too. Used by the unit tests and the
 * e2e harness; the code under test (registerIpc, createBridge) is the real code.
 */
export class InProcessIpc {
  private readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  private readonly listeners = new Map<string, Set<RendererListener>>();

  readonly main: IpcMainLike = {
    handle: (channel, listener) => {
      if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      this.handlers.set(channel, listener);
    },
    removeHandler: (channel) => {
      this.handlers.delete(channel);
    },
  };

  /** The renderer side, as seen from a page whose frame is `frame()` at the time of each call. */
  renderer(frame: () => Frame): IpcRendererLike {
    return {
      invoke: async (channel, ...args) => {
        const handler = this.handlers.get(channel);
        if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
        const result = await handler({ senderFrame: frame() }, ...structuredClone(args));
        return structuredClone(result);
      },
      on: (channel, listener) => {
        let set = this.listeners.get(channel);
        if (!set) this.listeners.set(channel, (set = new Set()));
        set.add(listener);
      },
      removeListener: (channel, listener) => {
        this.listeners.get(channel)?.delete(listener);
      },
    };
  }

  /** webContents.send: main → renderer. */
  send(channel: string, payload: unknown): void {
    for (const fn of [...(this.listeners.get(channel) ?? [])]) fn({}, structuredClone(payload));
  }

  handlerCount(): number {
    return this.handlers.size;
  }

  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
}
