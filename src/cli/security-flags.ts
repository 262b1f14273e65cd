// The security flags of run/create, with podman's spellings and meanings:
//   --cap-add / --cap-drop   capabilities on top of podman's default set
//   --privileged             every capability tsbox holds, no seccomp filter,
//                            no label separation (podman: "turns off the
//                            security features")
//   --security-opt           seccomp=unconfined|default|FILE, no-new-privileges[=true|false],
//                            mask=PATH[:PATH...], unmask=PATH[:PATH...]|ALL,
//                            label=disable|nested|user:U|role:R|type:T|level:L|filetype:F
//   --read-only              the rootfs is mounted read-only
import fs from 'node:fs';
import path from 'node:path';
import type { FlagSpec, Parsed } from './args.js';
import { UserError } from '../common/errors.js';
import { resolveCaps } from '../engine/capabilities.js';
import { parseMaskOpt, parseUnmaskOpt } from '../engine/masks.js';
import { parseSeccompProfile } from '../engine/seccomp-file.js';
import type { SeccompProfile } from '../engine/seccomp-profile.js';
import { archOf, resolveProfile } from '../engine/seccomp.js';

export const SECURITY_FLAGS: FlagSpec[] = [
  { name: 'cap-add', type: 'list', arg: 'CAP', help: 'add a capability to the default set (NET_ADMIN, CAP_SYS_TIME, ALL)' },
  { name: 'cap-drop', type: 'list', arg: 'CAP', help: 'drop a capability from the default set (ALL drops every one)' },
  {
    name: 'privileged',
    type: 'bool',
    help: 'keep every capability tsbox holds, without seccomp filter or label separation',
  },
  {
    name: 'security-opt',
    type: 'list',
    arg: 'OPT',
    help: 'seccomp=unconfined|FILE, no-new-privileges[=true|false], mask=PATHS, unmask=PATHS|ALL, label=disable|type:T|level:L|user:U|role:R',
  },
  { name: 'read-only', type: 'bool', help: 'mount the container root filesystem read-only' },
];

export interface SecurityOptions {
  /** CAP_ names kept, in capability-number order */
  capabilities: string[];
  privileged: boolean;
  noNewPrivileges: boolean;
  /** 'default', 'unconfined', or the absolute path of a profile */
  seccomp: string;
  /** that profile, as read now */
  seccompProfile?: SeccompProfile;
  /** mask= and unmask= (src/engine/masks.ts) */
  maskPaths: string[];
  unmaskPaths: string[];
  readOnlyRoot: boolean;
  /** label options as given after label= (e.g. 'disable', 'level:s0:c1,c2'), for the SELinux code */
  labelOpts: string[];
}

const SECURITY_OPT_HINT =
  'tsbox understands --security-opt seccomp=unconfined|FILE, no-new-privileges[=true|false], mask=PATHS, unmask=PATHS|ALL and ' +
  'label=disable|nested|type:T|level:L|user:U|role:R|filetype:F.';

const LABEL_KEYS = ['user', 'role', 'type', 'level', 'filetype'];

function flagValue(p: Parsed, name: string): string[] {
  const v = p.flags[name];
  return Array.isArray(v) ? v : [];
}

export function parseSecurityFlags(p: Parsed): SecurityOptions {
  const privileged = p.flags['privileged'] === true;
  let seccomp: SecurityOptions['seccomp'] = privileged ? 'unconfined' : 'default';
  let seccompProfile: SeccompProfile | undefined;
  let noNewPrivileges = false;
  const labelOpts: string[] = [];
  const maskPaths: string[] = [];
  const unmaskPaths: string[] = [];

  for (const opt of flagValue(p, 'security-opt')) {
    // docker's old spelling uses ':' as the separator (no-new-privileges:true, seccomp:unconfined)
    const m = /^([a-z-]+)(?:[=:](.*))?$/s.exec(opt);
    const key = m?.[1];
    const value = m?.[2];
    if (key === 'seccomp') {
      if (value === 'unconfined') seccomp = 'unconfined';
      else if (value === 'default' || value === 'runtime/default') seccomp = privileged ? 'unconfined' : 'default';
      else if (!value) throw new UserError(`--security-opt seccomp needs a value`, 125, SECURITY_OPT_HINT);
      else {
        seccomp = path.resolve(value);
        seccompProfile = readSeccompProfile(seccomp);
      }
    } else if (key === 'no-new-privileges') {
      if (value === undefined || value === 'true') noNewPrivileges = true;
      else if (value === 'false') noNewPrivileges = false;
      else throw new UserError(`--security-opt no-new-privileges takes true or false, not '${value}'`);
    } else if (key === 'label') {
      labelOpts.push(parseLabelOpt(value ?? ''));
    } else if (key === 'mask') {
      maskPaths.push(...parseMaskOpt(value ?? ''));
    } else if (key === 'unmask') {
      unmaskPaths.push(...parseUnmaskOpt(value ?? ''));
    } else {
      throw new UserError(`unsupported --security-opt '${opt}'`, 125, SECURITY_OPT_HINT);
    }
  }

  // podman: --privileged disables label separation unless a label is asked for explicitly.
  if (privileged && labelOpts.length === 0) labelOpts.push('disable');

  return {
    capabilities: resolveCaps({ add: flagValue(p, 'cap-add'), drop: flagValue(p, 'cap-drop'), privileged }),
    privileged,
    noNewPrivileges,
    seccomp,
    ...(seccompProfile ? { seccompProfile } : {}),
    maskPaths: [...new Set(maskPaths)],
    unmaskPaths: unmaskPaths.includes('ALL') ? ['ALL'] : [...new Set(unmaskPaths)],
    readOnlyRoot: p.flags['read-only'] === true,
    labelOpts,
  };
}

/** seccomp=FILE: the file read and checked now (a profile the compiler would refuse is refused before create). */
function readSeccompProfile(file: string): SeccompProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `--security-opt seccomp=${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      125,
      'Give the path of a seccomp profile in JSON (`tsbox seccomp default > FILE` writes the default one), or seccomp=unconfined.',
    );
  }
  const profile = parseSeccompProfile(text, file);
  resolveProfile(profile, archOf(process.arch), []);
  return profile;
}

/** Checks the shape of a label= value and returns it unchanged; its meaning is the SELinux code's business. */
function parseLabelOpt(value: string): string {
  if (value === 'disable' || value === 'nested') return value;
  const colon = value.indexOf(':');
  const key = colon < 0 ? value : value.slice(0, colon);
  const rest = colon < 0 ? '' : value.slice(colon + 1);
  if (!LABEL_KEYS.includes(key)) {
    throw new UserError(`unsupported --security-opt label=${value}`, 125, SECURITY_OPT_HINT);
  }
  if (rest === '' || /\s/.test(rest)) {
    throw new UserError(`--security-opt label=${key}: needs a value without spaces, e.g. label=${key}:${labelExample(key)}`);
  }
  return value;
}

function labelExample(key: string): string {
  return { user: 'system_u', role: 'system_r', type: 'container_t', level: 's0:c1,c2', filetype: 'container_file_t' }[key]!;
}
