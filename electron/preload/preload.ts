// The sandboxed preload: bundled into one CommonJS file (scripts/build-preload.mjs), because a
// sandboxed preload can require only 'electron' and a few built-ins, never local files.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './preload-api';

// Frozen so page scripts cannot swap a method for one that leaks arguments.
contextBridge.exposeInMainWorld('gatehouse', Object.freeze(createBridge(ipcRenderer)));
