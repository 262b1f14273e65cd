// Bundles the CLI for start-up speed (see bin/tsbox.js). Two outputs:
//  - dist/cli/main.js (+ chunks): every command, packages left external;
//    loads no Ink or React.
//  - dist/cli/ui.js: the dashboard with Ink, React and zustand bundled in,
//    which halves the time to its first frame against loading them from
//    node_modules (ink alone pulls in hundreds of small modules).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// chunk names carry content hashes: start clean so stale chunks do not pile up
rmSync('dist/cli', { recursive: true, force: true });

const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' };

// The dashboard entry, imported by the CLI as '../../ui/main.js', becomes the
// separate bundle next to it.
const uiExternal = {
  name: 'ui-external',
  setup(b) {
    b.onResolve({ filter: /\/ui\/main\.js$/ }, () => ({ path: './ui.js', external: true }));
  },
};

await build({ ...common, entryPoints: ['src/cli/main.ts'], splitting: true, packages: 'external', outdir: 'dist/cli', plugins: [uiExternal] });
await build({
  ...common,
  entryPoints: { ui: 'src/ui/main.tsx' },
  outdir: 'dist/cli',
  // Ink loads its devtools lazily; splitting keeps that import lazy too.
  splitting: true,
  chunkNames: 'ui-chunks/[name]-[hash]',
  // Ink's optional devtools are not shipped; CommonJS dependencies (React,
  // signal-exit) need a real require for Node built-ins.
  external: ['react-devtools-core'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  define: { 'process.env.NODE_ENV': '"production"' },
});
