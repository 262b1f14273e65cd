// Containers' cgroups on v1, v2 and hybrid hosts: the engine's only door to
// cgroupfs for writing. Stats are read by src/probe/stats.ts.
export { detectLayout, type CgroupLayout } from '../../probe/cgroup-layout.js';
export { validateLimits } from './validate.js';
export { createContainerCgroups } from './create.js';
export { updateLimits } from './update.js';
export { setFrozen, isFrozen, killAll } from './processes.js';
export { removeContainerCgroups } from './remove.js';
export { oomKillCount } from './oom.js';
