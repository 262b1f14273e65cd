// What the engine tells its client besides return values: warnings, which
// must not stop the operation and have nowhere of the engine's own to go,
// and debug notes (the CLI shows them with --log-level debug).
// A write to stderr would land on the dashboard's screen; the CLI prints
// them (`warning: ...` on stderr) and the dashboard puts them in its status
// line, each listening here (gemini-cli's core talks to its UI the same way).
import { EventEmitter } from 'node:events';

export interface EngineWarning {
  message: string;
  /** the container the warning is about */
  container?: { id: string; name: string };
}

export interface EngineEventMap {
  warning: [EngineWarning];
  /** what a user debugging a container may want to know (a seccomp profile's skipped syscalls) */
  debug: [EngineWarning];
}

export type EngineEvents = EventEmitter<EngineEventMap>;

export function engineEvents(): EngineEvents {
  return new EventEmitter<EngineEventMap>();
}
