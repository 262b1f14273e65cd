// The connected root: the screen model from the store, keys to the
// controller. All drawing is in components/, all I/O in the controller and
// the source.
import { useState } from 'react';
import { useInput } from 'ink';
import { Screen } from '../../components/Screen.js';
import type { Theme } from '../../components/theme.js';
import { useDashboard } from './context.js';
import type { Controller } from './controller.js';
import { createScreenSelector } from './screen-model.js';

export function Dashboard({ controller, theme }: { controller: Controller; theme: Theme }) {
  // one memoizing selector per mounted dashboard
  const [select] = useState(() => createScreenSelector());
  const model = useDashboard(select);
  useInput((input, key) => controller.handleKey(input, key));
  return <Screen {...model} theme={theme} />;
}
