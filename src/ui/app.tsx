// The dashboard's element tree, shared by the live app, the tests and the
// benchmark.
import type { Theme } from '../../components/theme.js';
import { StoreProvider } from './context.js';
import type { Controller } from './controller.js';
import { Dashboard } from './Dashboard.js';
import type { DashboardStore } from './store.js';

export function dashboardElement(store: DashboardStore, controller: Controller, theme: Theme) {
  return (
    <StoreProvider store={store}>
      <Dashboard controller={controller} theme={theme} />
    </StoreProvider>
  );
}
