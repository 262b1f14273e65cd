// The engine's side of `tsbox pull` and of `run --pull`: the credentials
// (--creds, else those `tsbox login` saved), the lock the image record is
// written under, and the pull itself (registry/pull.ts).
import { UserError } from '../common/errors.js';
import type { Engine } from './engine.js';
import { authFile, lookupCredentials, type Credentials } from './registry/auth.js';
import { searchRegistries } from './registry/config.js';
import type { Platform } from './registry/manifest.js';
import { pullImage, type PullProgress } from './registry/pull.js';
import type { ImageRecord } from './types.js';

export interface PullRequest {
  platform?: Platform;
  /** false: --tls-verify=false */
  tlsVerify?: boolean;
  credentials?: Credentials;
  certDir?: string;
  authFile?: string;
  progress?: PullProgress;
}

export async function pull(engine: Engine, ref: string, req: PullRequest): Promise<ImageRecord> {
  const file = authFile(engine.paths, req.authFile);
  try {
    return await pullImage(
      {
        helper: engine.helperPath,
        layers: engine.images.layers,
        oci: engine.images.oci,
        searchRegistries: searchRegistries(),
        locked: (fn) => engine.records.locked(fn),
      },
      ref,
      {
        platform: req.platform,
        tlsVerify: req.tlsVerify ?? true,
        credentials: (registry) => req.credentials ?? lookupCredentials(file, registry),
        certDir: req.certDir,
        progress: req.progress,
      },
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new UserError(`pull of ${ref} failed: the disk that holds tsbox's store is full`, 125, 'Free space there (tsbox image prune removes unused images and layers) and pull again.');
    }
    throw e;
  }
}
