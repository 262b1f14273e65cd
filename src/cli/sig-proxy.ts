// podman's --sig-proxy: the signals an attached `run` (or `exec`) gets are
// passed on to the container, so `kill PID`, Popen.terminate() and process
// supervisors stop the container as they would stop any program. The
// helper, which shares our process group, leaves its own copies to us
// while we live (native/PROTOCOL.md, --signal-fd).

/**
 * The signals passed on, with their Linux numbers (the same on x86_64 and
 * aarch64, the architectures tsbox runs on; os.constants would load node:os
 * on the path of every `run`).
 */
const PROXIED = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 } as const;

export interface SignalProxy {
  /** for the engine's start: called once the helper runs, with what passes a signal on */
  onRelay(send: (signal: number) => void): void;
  /** our handlers off again */
  dispose(): void;
}

/**
 * Our handlers hold what comes before the container runs and is recorded.
 * With `proxy` (the default) they pass that and everything after on.
 * Without it (--sig-proxy=false) the signals end this process as they
 * would any other, and the container runs on, as under podman: once it is
 * recorded running, what they held is raised again, and so is what they
 * get after (a handler stays: a signal libuv has caught but not yet handed
 * to us would be lost if we took them off).
 */
export function proxySignals(proxy: boolean): SignalProxy {
  let send: ((signal: number) => void) | undefined;
  let released = false;
  const pending: Array<[NodeJS.Signals, number]> = [];
  const reraise = (name: NodeJS.Signals) => {
    dispose();
    process.kill(process.pid, name);
  };
  const handlers = Object.entries(PROXIED).map(([name, n]) => {
    const h = () => (send ? send(n) : released ? reraise(name as NodeJS.Signals) : pending.push([name as NodeJS.Signals, n]));
    process.on(name as NodeJS.Signals, h);
    return [name as NodeJS.Signals, h] as const;
  });
  function dispose() {
    for (const [name, h] of handlers) process.off(name, h);
  }
  return {
    onRelay(s) {
      if (proxy) {
        send = s;
        for (const [, n] of pending.splice(0)) s(n);
        return;
      }
      released = true;
      const first = pending.splice(0)[0];
      if (first) reraise(first[0]);
    },
    dispose,
  };
}
