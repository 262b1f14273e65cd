// Heavy Node built-ins, loaded on first use. `tsbox ps` must start nearly as
// fast as `node -e 0`, and child_process, crypto and zlib cost ~30 ms of
// start-up together; only commands that spawn, create or import need them.
export const childProcess = (): typeof import('node:child_process') => process.getBuiltinModule('node:child_process');
export const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
export const zlib = (): typeof import('node:zlib') => process.getBuiltinModule('node:zlib');
