// React access to the store: a context carrying the app's store and a
// useDashboard(selector) hook. Selectors must return stable references
// (state slices), or zustand re-renders on every change.
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { UiState } from './state.js';
import type { DashboardStore } from './store.js';

const StoreContext = createContext<DashboardStore | null>(null);

export function StoreProvider({ store, children }: { store: DashboardStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useDashboard<T>(selector: (s: UiState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useDashboard outside <StoreProvider>');
  return useStore(store, selector);
}
