// `tsbox inspect` and the dashboard's Config tab: a container as podman
// inspect shows one (the fields scripts read have podman's names), with the
// namespaces its init is in now and the OCI config.json it was created with.
import fs from 'node:fs';
import { NAMESPACE_TYPES } from '../common/namespaces.js';
import { readJsonIfExists } from './fsutil.js';
import { DEFAULT_LOG_MAX } from './logfile.js';
import type { RecordStore } from './records.js';
import type { ContainerRecord } from './types.js';

export function inspectRecord(rec: ContainerRecord, records: RecordStore): Record<string, unknown> {
  const dir = records.dir(rec.id);
  const running = rec.state === 'running' || rec.state === 'paused';
  const ns: Record<string, number | null> = {};
  for (const t of NAMESPACE_TYPES) {
    let ino: number | null = null;
    if (running) {
      try {
        ino = fs.statSync(`/proc/${rec.pid}/ns/${t}`).ino;
      } catch {
        /* raced with exit */
      }
    }
    ns[t] = ino;
  }
  const log = records.logFile(rec.id);
  return {
    Id: rec.id,
    Name: rec.name,
    Created: rec.created,
    Image: rec.spec.image,
    Path: rec.spec.command[0],
    Args: rec.spec.command.slice(1),
    State: {
      Status: rec.state,
      Running: rec.state === 'running',
      Paused: rec.state === 'paused',
      OOMKilled: rec.oomKilled,
      Pid: rec.pid,
      ConmonPid: running ? rec.monitorPid : 0,
      ExitCode: rec.exitCode,
      StartedAt: rec.startedAt,
      FinishedAt: rec.finishedAt,
      Error: rec.error ?? '',
    },
    Namespaces: ns,
    NamespaceModes: rec.spec.namespaces,
    Cgroups: rec.cgroupPaths,
    LogPath: log,
    Bundle: dir,
    ProcessLabel: rec.spec.labels.disabled ? '' : (rec.spec.labels.process ?? ''),
    MountLabel: rec.spec.labels.disabled ? '' : (rec.spec.labels.mount ?? ''),
    HostConfig: {
      Resources: rec.spec.resources,
      Privileged: rec.spec.privileged,
      CapAdd: rec.spec.capabilities,
      Seccomp: rec.spec.seccomp,
      // podman's fields: the profile's file ('' for the built-in default), and the knobs
      SeccompProfilePath: rec.spec.seccompProfile ? rec.spec.seccomp : rec.spec.seccomp === 'unconfined' ? 'unconfined' : '',
      SecurityOpt: securityOpts(rec.spec),
      Devices: (rec.spec.devices ?? []).map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.path, CgroupPermissions: d.access })),
      DeviceCgroupRules: rec.spec.deviceCgroupRules ?? [],
      Sysctls: rec.spec.sysctls ?? {},
      Ulimits: (rec.spec.ulimits ?? []).map((u) => ({ Name: `RLIMIT_${u.name.toUpperCase()}`, Soft: u.soft, Hard: u.hard })),
      GroupAdd: rec.spec.user.groups.map(String),
      Init: rec.spec.init ?? false,
      OomScoreAdj: rec.spec.oomScoreAdj ?? 0,
      Tmpfs: Object.fromEntries(rec.spec.volumes.filter((v) => v.type === 'tmpfs').map((v) => [v.destination, (v.tmpfsOptions ?? []).join(',')])),
      // as podman shows it; Size in bytes, for ctr.log and again for ctr.log.1
      LogConfig: { Type: 'k8s-file', Path: log, Size: rec.spec.logMaxSize ?? DEFAULT_LOG_MAX },
    },
    Mounts: rec.spec.volumes,
    Config: rec.spec,
    OCIConfig: readOciConfig(`${dir}/config.json`),
  };
}

/** --security-opt as podman's inspect lists them */
function securityOpts(s: ContainerRecord['spec']): string[] {
  const out: string[] = [];
  if (s.seccomp !== 'default') out.push(`seccomp=${s.seccomp}`);
  if (s.noNewPrivileges) out.push('no-new-privileges');
  if (s.maskPaths?.length) out.push(`mask=${s.maskPaths.join(':')}`);
  if (s.unmaskPaths?.length) out.push(`unmask=${s.unmaskPaths.join(':')}`);
  if (s.labels.disabled) out.push('label=disable');
  return out;
}

/** config.json, or null when it is missing or torn (it is written without fsync). */
function readOciConfig(file: string): unknown {
  try {
    return readJsonIfExists(file) ?? null;
  } catch {
    return null;
  }
}
