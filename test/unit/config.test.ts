// containers.conf as tsbox reads it (src/engine/config.ts): only
// [containers] userns; podman's other sections and keys are left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../../src/common/errors.js';
import { configPath, parseConfig } from '../../src/engine/config.js';
import { defaultUserns } from '../../src/cli/userns-flags.js';

test('userns under [containers], with comments and either quote; the same key elsewhere is not ours', () => {
  assert.equal(parseConfig('[containers]\nuserns = "auto" # yes\n', 'f').userns, 'auto');
  assert.equal(parseConfig("[containers]\n  userns='host'\n", 'f').userns, 'host');
  assert.equal(parseConfig('[containers]\nuserns = ""\n', 'f').userns, undefined);
  assert.equal(parseConfig('[engine]\nuserns = "nonsense"\n[containers]\ndefault_capabilities = ["CHOWN"]\n', 'f').userns, undefined);
  assert.equal(parseConfig('', 'f').userns, undefined);
});

test('a value tsbox cannot honour names the file and line', () => {
  assert.throws(
    () => parseConfig('[containers]\n\nuserns = "keep-id"\n', '/etc/tsbox/containers.conf'),
    (e: unknown) => isUserError(e) && /^\/etc\/tsbox\/containers\.conf:3: userns = "keep-id"/.test((e as Error).message),
  );
  assert.throws(() => parseConfig('[containers]\nuserns = auto\n', 'f'), /f:2/);
});

test('where the file is, and when it is read', () => {
  assert.equal(configPath('/tmp/r'), '/tmp/r/containers.conf');
  let reads = 0;
  const conf = () => (reads++, { userns: 'auto' });
  assert.equal(defaultUserns(false, false, conf), 'auto');
  assert.equal(defaultUserns(true, false, conf), undefined, '--uidmap given');
  assert.equal(defaultUserns(false, true, conf), undefined, 'rootless');
  assert.equal(reads, 1);
  assert.equal(defaultUserns(false, false, () => ({})), undefined);
});
