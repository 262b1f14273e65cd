// The part of the dashboard that needs Ink and React. main.tsx loads it
// after the first frame is on the screen: loading Ink, React and yoga is
// most of the dashboard's start-up, and nothing before the first frame
// needs them.
import './no-fetch.js';
import type tty from 'node:tty';
import { render, type Instance } from 'ink';
import type { Theme } from '../../components/theme.js';
import { dashboardElement } from './app.js';
import type { Controller } from './controller.js';
import type { DashboardStore } from './store.js';

export function drawDashboard(store: DashboardStore, controller: Controller, theme: Theme, out: tty.WriteStream, keyboard: tty.ReadStream): Instance {
  return render(dashboardElement(store, controller, theme), { stdout: out, stdin: keyboard, exitOnCtrlC: false });
}
