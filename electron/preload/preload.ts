// The sandboxed preload: bundled into one CommonJS file (scripts/build-preload.mjs), because a
// sandboxed preload can require only 'electron' and a few built-ins, never local files.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './preload-api';

/** The page's transient user activation, read in the preload's world where the page cannot fake it. */
function userActivation(): boolean {
  const nav = (globalThis as { navigator?: { userActivation?: { isActive?: boolean } } }).navigator;
  return nav?.userActivation?.isActive === true;
}

// Frozen so page scripts cannot swap a method for one that leaks arguments.
contextBridge.exposeInMainWorld('gatehouse', Object.freeze(createBridge(ipcRenderer, { userActivation })));
