// The OCI distribution API, client side: /v2/ requests with the registry's
// auth (anonymous Bearer tokens from a WWW-Authenticate challenge, or the
// user's credentials as Basic, or sent to the token endpoint), TLS with the
// system CAs plus the registry's own certs.d directory, and plain http only
// for loopback registries or when verification is off (--tls-verify=false,
// which names one registry: nothing else loses verification).
//
// node:http(s) rather than fetch: Node 20's fetch takes no CA without the
// undici package, and a stream of blob bytes is what the caller wants.
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { UserError } from '../../common/errors.js';
import type { Credentials } from './auth.js';
import { isLoopback } from './reference.js';

export interface ClientOptions {
  /** false: no certificate check for this registry, and http if it speaks no TLS */
  tlsVerify: boolean;
  credentials?: Credentials;
  /** a directory of *.crt (CAs) for this registry (--cert-dir), before certs.d */
  certDir?: string;
}

export interface Response {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
  url: string;
}

const SYSTEM_CAS = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];
const CERTS_D = ['/etc/containers/certs.d', '/etc/docker/certs.d'];
const TIMEOUT_MS = 30000;

/** Text of the error codes of a registry's JSON error body ({"errors":[{"code","message"}]}). */
export async function errorText(res: Response): Promise<string> {
  const body = await readAll(res.body, 64 * 1024).catch(() => Buffer.alloc(0));
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    if (j.errors?.length) return j.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    /* not JSON */
  }
  return body.toString('utf8').trim().slice(0, 200);
}

/** The whole body, refused past MAX bytes (manifests, configs, tokens are small). */
export async function readAll(body: IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      body.destroy();
      throw new UserError(`the registry sent more than ${max} bytes where a small document was expected`);
    }
    parts.push(c);
  }
  return Buffer.concat(parts);
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** WWW-Authenticate: Bearer realm="...",service="...",scope="..." */
export function parseChallenge(header: string): Challenge {
  const sp = header.indexOf(' ');
  const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of (sp < 0 ? '' : header.slice(sp + 1)).matchAll(/([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[m[1].toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}

export class RegistryClient {
  private scheme: 'https' | 'http' | undefined;
  private ca: Buffer[] | undefined;
  /** Authorization header per scope, once a challenge was answered */
  private readonly authFor = new Map<string, string>();

  constructor(
    readonly registry: string,
    private readonly opts: ClientOptions,
  ) {}

  /** The host to connect to: Docker Hub's API is not at docker.io. */
  private get host(): string {
    return this.registry === 'docker.io' ? 'registry-1.docker.io' : this.registry;
  }

  private cas(): Buffer[] {
    if (this.ca) return this.ca;
    const out: Buffer[] = [];
    const { rootCertificates } = process.getBuiltinModule('node:tls');
    out.push(...rootCertificates.map((c) => Buffer.from(c)));
    for (const f of SYSTEM_CAS) {
      try {
        out.push(fs.readFileSync(f));
        break;
      } catch {
        /* not this distribution's path */
      }
    }
    const dirs = [...(this.opts.certDir ? [this.opts.certDir] : []), ...CERTS_D.map((d) => path.join(d, this.registry))];
    for (const d of dirs) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(d);
      } catch {
        if (d === this.opts.certDir) throw new UserError(`--cert-dir ${d}: no such directory`);
        continue;
      }
      for (const n of names.filter((n) => n.endsWith('.crt'))) out.push(fs.readFileSync(path.join(d, n)));
    }
    this.ca = out;
    return out;
  }

  /** One request, following redirects (a redirect elsewhere gets no Authorization). */
  private raw(url: string, method: string, headers: Record<string, string>, redirects = 0): Promise<Response> {
    const u = new URL(url);
    const mod = process.getBuiltinModule(u.protocol === 'https:' ? 'node:https' : 'node:http') as typeof import('node:https');
    return new Promise<Response>((resolve, reject) => {
      const req = mod.request(
        u,
        {
          method,
          headers: { 'User-Agent': 'tsbox', ...headers },
          timeout: TIMEOUT_MS,
          ...(u.protocol === 'https:' ? { ca: this.cas(), rejectUnauthorized: this.opts.tlsVerify, ...(/^[\d.]+$|:/.test(u.hostname) ? {} : { servername: u.hostname }) } : {}),
        },
        (res) => {
          const loc = res.headers.location;
          if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && loc) {
            res.resume();
            if (redirects >= 5) return reject(new UserError(`${this.registry}: too many redirects from ${url}`));
            const next = new URL(loc, u);
            const h = { ...headers };
            if (next.host !== u.host) delete h.Authorization;
            return resolve(this.raw(next.toString(), method, h, redirects + 1));
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
  }

  /** https, or http where that is allowed and the registry does not speak TLS. */
  private async base(): Promise<string> {
    if (this.scheme) return `${this.scheme}://${this.host}`;
    try {
      const r = await this.raw(`https://${this.host}/v2/`, 'GET', {});
      r.body.resume();
      this.scheme = 'https';
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const tlsProblem = err.code === 'EPROTO' || /wrong version number|packet length too long|SSL/.test(err.message);
      if (tlsProblem && (isLoopback(this.host) || !this.opts.tlsVerify)) this.scheme = 'http';
      else throw this.unreachable(err);
    }
    return `${this.scheme}://${this.host}`;
  }

  private unreachable(err: NodeJS.ErrnoException): UserError {
    const code = err.code ?? '';
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
      return new UserError(`registry ${this.registry} is not reachable: ${err.message}`, 125, 'Check the registry name, that it is running, and the network; then pull again.');
    }
    if (/certificate|self[- ]signed|CERT_|unable to verify|unable to get/i.test(`${code} ${err.message}`)) {
      return new UserError(
        `registry ${this.registry}: its TLS certificate is not trusted (${err.message})`,
        125,
        `Put its CA in /etc/containers/certs.d/${this.registry}/ca.crt (or give --cert-dir DIR), or, for a registry you trust on a network you trust, --tls-verify=false.`,
      );
    }
    return new UserError(`registry ${this.registry}: ${err.message}`, 125, 'Check the registry name and that it speaks the OCI distribution API.');
  }

  /** Answer a 401's challenge; false when there is nothing more to try. */
  private async authenticate(res: Response, scope: string): Promise<boolean> {
    const header = res.headers['www-authenticate'];
    res.body.resume();
    const ch = parseChallenge(Array.isArray(header) ? header[0] : (header ?? ''));
    const creds = this.opts.credentials;
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
    if (ch.scheme === 'basic') {
      if (!basic || this.authFor.get(scope) === basic) return false;
      this.authFor.set(scope, basic);
      return true;
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) return false;
    if (this.authFor.has(scope) && this.authFor.get(scope)!.startsWith('Bearer')) return false; // a token we got was refused
    const url = new URL(ch.params.realm);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    const sc = ch.params.scope ?? scope;
    if (sc) url.searchParams.set('scope', sc);
    let tr: Response;
    try {
      tr = await this.raw(url.toString(), 'GET', basic ? { Authorization: basic } : {});
    } catch (e) {
      throw new UserError(`registry ${this.registry}: its token server ${url.origin} is not reachable: ${(e as Error).message}`);
    }
    if (tr.status === 401 || tr.status === 403) {
      tr.body.resume();
      return false;
    }
    if (tr.status !== 200) throw new UserError(`registry ${this.registry}: its token server answered ${tr.status}: ${await errorText(tr)}`);
    const j = JSON.parse((await readAll(tr.body, 1 << 20)).toString('utf8')) as { token?: string; access_token?: string };
    const token = j.token ?? j.access_token;
    if (!token) throw new UserError(`registry ${this.registry}: its token server sent no token`);
    this.authFor.set(scope, `Bearer ${token}`);
    return true;
  }

  /**
   * GET (or HEAD) PATH of this registry (/v2/...), authenticated for SCOPE
   * ("repository:NAME:pull"). Any status is returned but 401, which is
   * answered or becomes the error that says what to do.
   */
  async get(pathname: string, scope: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
    const base = await this.base();
    for (let round = 0; round < 3; round++) {
      const auth = this.authFor.get(scope);
      let res: Response;
      try {
        res = await this.raw(base + pathname, method, { ...headers, ...(auth ? { Authorization: auth } : {}) });
      } catch (e) {
        throw this.unreachable(e as NodeJS.ErrnoException);
      }
      if (res.status !== 401) return res;
      if (!(await this.authenticate(res, scope))) break;
    }
    throw new UserError(
      this.opts.credentials
        ? `registry ${this.registry} refused the credentials${scope ? ` for ${scope.split(':')[1]}` : ''} (401 Unauthorized)`
        : `registry ${this.registry} needs credentials${scope ? ` for ${scope.split(':')[1]}` : ''} (401 Unauthorized)`,
      125,
      this.opts.credentials ? `Check them: tsbox login ${this.registry}` : `Log in first: tsbox login ${this.registry} (or give --creds USER:PASS).`,
    );
  }
}
