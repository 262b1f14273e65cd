// Debian's docker-registry (the distribution project's reference registry)
// on 127.0.0.1, with a temporary config and storage, for tests and the
// bench: plain http, TLS with a CA made here (openssl), htpasswd basic auth
// (apache2-utils, bcrypt), or Bearer tokens from a token server on loopback
// that signs JWTs with a key made here (the registry trusts its cert). Images
// are OCI layouts built with umoci from layer tars, pushed with skopeo.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tmpdir } from './busybox.js';
import { run, start, type Started } from './programs.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Why the registry tests cannot run here, or undefined. */
export function registryMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const t of [REGISTRY_BIN, '/usr/bin/skopeo', '/usr/bin/umoci', '/usr/bin/htpasswd', '/usr/bin/openssl', '/usr/bin/zstd']) if (!fs.existsSync(t)) return `${t} is not installed`;
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Registry {
  /** 127.0.0.1:PORT */
  host: string;
  dir: string;
  /** where the blobs are kept (to corrupt one) */
  storage: string;
  /** the CA's cert (TLS registries), in a dir of its own (--cert-dir) */
  caDir?: string;
  creds?: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  tls?: boolean;
  /** USER:PASS for htpasswd basic auth */
  basic?: string;
  /** anonymous Bearer tokens from a token server */
  token?: boolean;
}

function openssl(args: string[], cwd: string): void {
  run('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and a server cert for 127.0.0.1 signed by it. */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tsbox test CA'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
  const caDir = path.join(dir, 'ca');
  fs.mkdirSync(caDir);
  fs.copyFileSync(path.join(dir, 'ca.crt'), path.join(caDir, 'ca.crt'));
  return { ca: caDir, cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

/**
 * A token server that gives anyone any access they ask for, as a JWT the
 * registry checks against its cert. A process of its own: the tests run
 * tsbox and skopeo synchronously, which would stop a server in this one.
 * Each request's query is appended to REQUESTS.
 */
async function tokenServer(dir: string, service: string): Promise<{ url: string; cert: string; proc: Started; requests: string }> {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'token.key', '-out', 'token.crt', '-days', '2', '-subj', '/CN=tsbox test token issuer'], dir);
  const port = await freePort();
  const requests = path.join(dir, 'token-requests');
  fs.writeFileSync(requests, '');
  const code = `
    const crypto = require('node:crypto'), fs = require('node:fs'), http = require('node:http');
    const [keyFile, certFile, service, port, log] = process.argv.slice(1);
    const key = fs.readFileSync(keyFile);
    const der = new crypto.X509Certificate(fs.readFileSync(certFile)).raw;
    const b64url = (b) => Buffer.from(b).toString('base64url');
    http.createServer((req, res) => {
      const url = new URL(req.url || '/', 'http://x');
      fs.appendFileSync(log, url.search + '\\n');
      const access = url.searchParams.getAll('scope').map((s) => { const [type, name, actions] = s.split(':'); return { type, name, actions: (actions || '').split(',') }; });
      const now = Math.floor(Date.now() / 1000);
      const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] }));
      const body = b64url(JSON.stringify({ iss: 'tsbox-test', sub: '', aud: service, exp: now + 600, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access }));
      const sig = crypto.sign('RSA-SHA256', Buffer.from(head + '.' + body), key);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ token: head + '.' + body + '.' + b64url(sig), expires_in: 600 }));
    }).listen(Number(port), '127.0.0.1');`;
  const proc = start(process.execPath, ['-e', code, path.join(dir, 'token.key'), path.join(dir, 'token.crt'), service, String(port), requests], { stdio: 'ignore' });
  await waitUp(`127.0.0.1:${port}`, false, proc, requests);
  return { url: `http://127.0.0.1:${port}/token`, cert: path.join(dir, 'token.crt'), proc, requests };
}

async function waitUp(host: string, tls: boolean, proc: Started, log: string): Promise<void> {
  const deadline = Date.now() + 20000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: Number(host.split(':')[1]) }, () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not listen on ${host}${tls ? ' (TLS)' : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry & { tokenRequests?: () => string[] }> {
  const dir = tmpdir('tsbox-registry');
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${host}`,
    '  secret: tsbox-test',
  ];
  let caDir: string | undefined;
  if (opts.tls) {
    const c = makeCerts(dir);
    caDir = c.ca;
    lines.push('  tls:', `    certificate: ${c.cert}`, `    key: ${c.key}`);
  }
  let token: Awaited<ReturnType<typeof tokenServer>> | undefined;
  if (opts.basic) {
    const [user, pass] = opts.basic.split(':');
    fs.writeFileSync(path.join(dir, 'htpasswd'), run('htpasswd', ['-Bbn', user, pass]));
    lines.push('auth:', '  htpasswd:', '    realm: tsbox-test', `    path: ${path.join(dir, 'htpasswd')}`);
  } else if (opts.token) {
    token = await tokenServer(dir, 'tsbox-test');
    lines.push('auth:', '  token:', `    realm: ${token.url}`, '    service: tsbox-test', '    issuer: tsbox-test', `    rootcertbundle: ${token.cert}`);
  }
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, `${lines.join('\n')}\n`);
  const log = path.join(dir, 'registry.log');
  const out = fs.openSync(log, 'w');
  const proc = start(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', out, out], env: { PATH: process.env.PATH } });
  fs.closeSync(out);
  await waitUp(host, !!opts.tls, proc, log);
  return {
    host,
    dir,
    storage,
    caDir,
    creds: opts.basic,
    tokenRequests: token ? () => fs.readFileSync(token.requests, 'utf8').split('\n').filter(Boolean) : undefined,
    async stop() {
      if (token && token.proc.exitCode === null) {
        const gone = new Promise((r) => token.proc.on('exit', r));
        token.proc.kill('SIGTERM');
        await gone;
      }
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** skopeo copy of an OCI layout (or layout:tag) to REG/NAME. */
export function push(reg: Registry, layout: string, name: string, extra: string[] = []): void {
  const dest = reg.caDir ? ['--dest-cert-dir', reg.caDir] : ['--dest-tls-verify=false'];
  const creds = reg.creds ? ['--dest-creds', reg.creds] : [];
  run('skopeo', ['copy', '-q', ...extra, ...dest, ...creds, `oci:${layout}`, `docker://${reg.host}/${name}`], { timeout: 120000 });
}

/** An OCI layout at DIR:TAG with one layer per tar file and the given config (umoci). */
export function buildImage(dir: string, tag: string, layers: string[], config: string[] = []): void {
  const umoci = (args: string[]) => run('umoci', args);
  if (!fs.existsSync(path.join(dir, 'oci-layout'))) umoci(['init', '--layout', dir]);
  umoci(['new', '--image', `${dir}:${tag}`]);
  for (const l of layers) umoci(['raw', 'add-layer', '--image', `${dir}:${tag}`, l]);
  if (config.length) umoci(['config', '--image', `${dir}:${tag}`, ...config]);
}

/** The blob files of a registry's storage whose content is the blob DIGEST (to damage one). */
export function blobFile(reg: Registry, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return path.join(reg.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}
