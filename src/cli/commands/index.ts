// The command table. Modules load lazily, so `tsbox ps` pays only for what it
// runs (and never loads Ink or React). Help text comes from this table.
import type { Command } from '../command.js';

export interface CommandEntry {
  name: string;
  aliases?: string[];
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'run', summary: 'Create and start a container', load: async () => (await import('./run.js')).run },
  { name: 'create', summary: 'Create a container without starting it', load: async () => (await import('./run.js')).createCmd },
  { name: 'start', summary: 'Start containers', load: async () => (await import('./lifecycle.js')).start },
  { name: 'stop', summary: 'Stop containers (SIGTERM, then SIGKILL)', load: async () => (await import('./lifecycle.js')).stop },
  { name: 'restart', summary: 'Restart containers', load: async () => (await import('./lifecycle.js')).restart },
  { name: 'kill', summary: 'Send a signal to containers', load: async () => (await import('./lifecycle.js')).kill },
  { name: 'rm', summary: 'Remove containers', load: async () => (await import('./lifecycle.js')).rm },
  { name: 'wait', summary: 'Wait for containers to exit', load: async () => (await import('./lifecycle.js')).wait },
  { name: 'rename', summary: 'Rename a container', load: async () => (await import('./lifecycle.js')).rename },
  { name: 'cleanup', summary: 'Clean up after exited containers: remove --rm ones (their monitors run it)', load: async () => (await import('./lifecycle.js')).cleanup },
  { name: 'prune', summary: 'Remove every container that is not running', load: async () => (await import('./lifecycle.js')).prune },
  { name: 'ps', aliases: ['list', 'ls'], summary: 'List containers', load: async () => (await import('./ps.js')).ps },
  { name: 'logs', summary: "Show a container's output", load: async () => (await import('./logs.js')).logs },
  { name: 'inspect', summary: 'Show details of containers or images as JSON', load: async () => (await import('./inspect.js')).inspect },
  { name: 'exec', summary: 'Run a command in a running container', load: async () => (await import('./exec.js')).exec },
  { name: 'pull', summary: 'Pull an image from a registry', load: async () => (await import('./pull.js')).pull },
  { name: 'login', summary: 'Save credentials for a registry', load: async () => (await import('./login.js')).login },
  { name: 'logout', summary: 'Remove the saved credentials of a registry', load: async () => (await import('./login.js')).logout },
  { name: 'images', summary: 'List images', load: async () => (await import('./images.js')).images },
  { name: 'image', summary: 'Manage images (import, load, save, ls, inspect, rm, tag, history, prune)', load: async () => (await import('./images.js')).image },
  { name: 'load', summary: 'Load images from a docker/podman save archive or an OCI layout', load: async () => (await import('./images.js')).loadCmd },
  { name: 'save', summary: 'Save an image as an OCI layout', load: async () => (await import('./images.js')).saveCmd },
  { name: 'rmi', summary: 'Remove images', load: async () => (await import('./images.js')).rmi },
  { name: 'dashboard', summary: 'Open the dashboard (the default)', load: async () => (await import('./dashboard.js')).dashboard },
  { name: 'demo', summary: 'Start demo containers and open the dashboard', load: async () => (await import('./demo.js')).demo },
  { name: 'cp', summary: 'Copy files between a container and the host (or a tar stream)', load: async () => (await import('./cp.js')).cp },
  { name: 'events', summary: 'Show events of containers (the journal the engine and the monitors append to)', load: async () => (await import('./events.js')).events },
  { name: 'top', summary: 'Show the processes of a container, with host and container pids and uids', load: async () => (await import('./top.js')).top },
  { name: 'stats', summary: 'Live resource usage of containers', load: async () => (await import('./stats.js')).stats },
  { name: 'pause', summary: 'Freeze all processes of containers', load: async () => (await import('./pause.js')).pause },
  { name: 'unpause', summary: 'Thaw paused containers', load: async () => (await import('./pause.js')).unpause },
  { name: 'update', summary: 'Change resource limits of containers live', load: async () => (await import('./update.js')).update },
  { name: 'volume', summary: 'Manage named volumes', load: async () => (await import('./volume.js')).volume },
  { name: 'label', summary: 'Show or restore SELinux labels of host paths', load: async () => (await import('./label.js')).label },
  { name: 'unshare', summary: 'Run a command in your user namespace, with your id maps', load: async () => (await import('./unshare.js')).unshare },
  { name: 'uidmap', summary: "Show a container's uid/gid maps and translate ids", load: async () => (await import('./uidmap.js')).uidmap },
  { name: 'seccomp', summary: 'Print the default seccomp profile, to edit for --security-opt seccomp=FILE', load: async () => (await import('./seccomp.js')).seccomp },
  { name: 'audit', summary: 'Show which isolation of running containers is weak, why, and what fixes it', load: async () => (await import('./audit.js')).auditCmd },
  { name: 'info', summary: 'Show what this host supports', load: async () => (await import('./info.js')).info },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
