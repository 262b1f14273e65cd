// Node built-ins that Node itself has not loaded at start-up, loaded on first
// use. `tsbox ps` must start nearly as fast as `node -e 0`: child_process,
// crypto and zlib cost ~30 ms of start-up together, and os ~0.3 ms; only
// commands that spawn, create, import or parse a signal name need them.
export const childProcess = (): typeof import('node:child_process') => process.getBuiltinModule('node:child_process');
export const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
export const zlib = (): typeof import('node:zlib') => process.getBuiltinModule('node:zlib');
export const os = (): typeof import('node:os') => process.getBuiltinModule('node:os');
