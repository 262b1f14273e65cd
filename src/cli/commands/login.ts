// tsbox login / logout: credentials in podman's auth.json format, in a file
// only the user can read (src/engine/registry/auth.ts). login checks them
// with the registry first (GET /v2/, answering its challenge), so a typo is
// told now, not at the next pull.
import fs from 'node:fs';
import type { Command } from '../command.js';
import { bool, str } from '../args.js';
import { UserError } from '../../common/errors.js';
import { openEngine } from '../open-engine.js';
import { print } from '../output.js';
import { authFile, removeCredentials, saveCredentials } from '../../engine/registry/auth.js';
import { RegistryClient } from '../../engine/registry/client.js';

const common = [
  { name: 'authfile', type: 'string' as const, arg: 'FILE', help: 'where the credentials are kept (default: $REGISTRY_AUTH_FILE, or auth.json in the runtime dir)' },
];

function registryArg(p: { positionals: string[] }, cmd: string): string {
  if (p.positionals.length !== 1) throw new UserError(`usage: tsbox ${cmd} REGISTRY`, 125, 'REGISTRY is a host[:port], e.g. quay.io or localhost:5000.');
  const reg = p.positionals[0].replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!/^[a-zA-Z0-9.-]+(:\d+)?$/.test(reg) && !/^\[[0-9a-fA-F:]+\](:\d+)?$/.test(reg)) throw new UserError(`'${p.positionals[0]}' is not a registry host[:port]`);
  return reg === 'index.docker.io' || reg === 'registry-1.docker.io' ? 'docker.io' : reg;
}

export const login: Command = {
  name: 'login',
  summary: 'Save credentials for a registry',
  usage: 'tsbox login [-u USER] [-p PASS | --password-stdin] [--tls-verify=false] REGISTRY',
  flags: [
    { name: 'username', short: 'u', type: 'string', arg: 'USER', help: 'user name' },
    { name: 'password', short: 'p', type: 'string', arg: 'PASS', help: 'password (visible in ps: prefer --password-stdin)' },
    { name: 'password-stdin', type: 'bool', help: 'read the password from stdin' },
    { name: 'tls-verify', type: 'string', arg: 'BOOL', help: "false: don't verify the registry's TLS certificate (this registry only)" },
    { name: 'cert-dir', type: 'string', arg: 'DIR', help: 'CA certificates (*.crt) for the registry' },
    ...common,
  ],
  async run(p, g) {
    const registry = registryArg(p, 'login');
    const username = str(p, 'username');
    let password = str(p, 'password');
    if (bool(p, 'password-stdin')) password = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    if (!username || password === undefined) throw new UserError('login needs -u USER and a password', 125, 'Give -u USER with --password-stdin (or -p PASS).');
    const engine = openEngine(g);
    const client = new RegistryClient(registry, { tlsVerify: str(p, 'tls-verify') !== 'false', credentials: { username, password }, certDir: str(p, 'cert-dir') });
    const res = await client.get('/v2/', '');
    res.body.resume();
    if (res.status !== 200) throw new UserError(`registry ${registry} answered ${res.status} to the credentials check`, 125, 'Check the registry name.');
    const file = authFile(engine.paths, str(p, 'authfile'));
    saveCredentials(file, registry, { username, password });
    print('Login Succeeded!\n');
    return 0;
  },
};

export const logout: Command = {
  name: 'logout',
  summary: 'Remove the saved credentials of a registry',
  usage: 'tsbox logout REGISTRY',
  flags: common,
  async run(p, g) {
    const registry = registryArg(p, 'logout');
    const file = authFile(openEngine(g).paths, str(p, 'authfile'));
    if (!removeCredentials(file, registry)) throw new UserError(`not logged in to ${registry}`, 125, `${file} has no credentials for it.`);
    print(`Removed login credentials for ${registry}\n`);
    return 0;
  },
};
