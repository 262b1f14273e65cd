// Everything that creates, starts, changes and removes containers, in one
// module the engine loads on first use (see Engine.ops). Read-only commands
// (`tsbox ps`, `inspect`, `logs`) and the dashboard's refresh never need it,
// and not loading it keeps `tsbox ps` close to `node -e 0`.
export { prepareRootfs, rootfsArgs } from './rootfs.js';
export { prepareForUserns, shiftRootless } from './idmapped.js';
export { ociConfig } from './oci.js';
export { spawnHelper } from './helper.js';
export { runInUserNamespace, writeIdMaps } from './userns.js';
export { defaultSeccompProgram } from './seccomp.js';
export {
  createContainerCgroups,
  detectLayout,
  killAll,
  removeContainerCgroups,
  setFrozen,
  updateLimits,
  validateLimits,
} from './cgroups/index.js';
export { chownVolumes, closeVolumeSources, helperMountArgs, openVolumeSources, VolumeStore } from './volumes.js';
export { relabelVolumes } from './labels.js';
export { callerNamespace, usernsHost } from './rootless.js';
