/** The sandboxed preload: exposes exactly the contract's API as window.cloudsnooze. */
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from './preload-api.js';

contextBridge.exposeInMainWorld('cloudsnooze', buildApi(ipcRenderer));
