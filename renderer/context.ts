/** React access to the one store and the one bridge, handed down from main.tsx. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Bridge } from './bridge.js';
import type { RendererState, RendererStore } from './store.js';

export const StoreContext = createContext<RendererStore | null>(null);
export const BridgeContext = createContext<Bridge | null>(null);

export function useRendererStore(): RendererStore {
  const s = useContext(StoreContext);
  if (!s) throw new Error('StoreContext is missing');
  return s;
}

export function useBridge(): Bridge {
  const b = useContext(BridgeContext);
  if (!b) throw new Error('BridgeContext is missing');
  return b;
}

export function useRenderer<T>(selector: (s: RendererState) => T): T {
  return useStore(useRendererStore(), selector);
}
