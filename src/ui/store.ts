// The dashboard's store: zustand's vanilla store, one per app (no module
// singleton), over the pure reducer. React reads it through context.tsx.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { initialState, reduce, type Action, type UiState } from './state.js';

export interface DashboardStore extends StoreApi<UiState> {
  dispatch(action: Action): void;
}

export function createDashboardStore(init: UiState = initialState()): DashboardStore {
  const store = createStore<UiState>()(() => init);
  const dispatch = (action: Action) => {
    const prev = store.getState();
    const next = reduce(prev, action);
    // The reducer returns the same object when nothing changed: no listener
    // runs, nothing re-renders, nothing is drawn.
    if (next !== prev) store.setState(next, true);
  };
  return Object.assign(store, { dispatch });
}
