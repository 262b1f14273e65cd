// Bundles the CLI for start-up speed (see bin/tsbox.js). Two outputs:
//  - dist/cli/main.js (+ chunks): every command, packages left external;
//    loads no Ink or React.
//  - dist/cli/ui.js: the dashboard with Ink, React and zustand bundled in,
//    which halves the time to its first frame against loading them from
//    node_modules (ink alone pulls in hundreds of small modules).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

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

// Ink's frame buffer (ink/build/output.js, imported by its renderer) becomes
// src/ui/ink-output.ts wrapped around it: that file says why. The build
// fails if Ink no longer has that import, rather than quietly dropping it.
const inkOutput = {
  name: 'ink-output',
  setup(b) {
    let swapped = false;
    b.onResolve({ filter: /^\.\/output\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]ink[\\/]build[\\/]renderer\.js$/.test(args.importer)) return undefined;
      swapped = true;
      return { path: path.join(args.resolveDir, 'output.js'), namespace: 'ink-output' };
    });
    b.onLoad({ filter: /.*/, namespace: 'ink-output' }, (args) => ({
      contents: [
        `import Original from ${JSON.stringify(args.path)};`,
        // the string-width Ink itself measures with
        "import stringWidth from 'string-width';",
        `import { fastOutputClass } from ${JSON.stringify(path.join(repo, 'src/ui/ink-output.ts'))};`,
        'export default fastOutputClass(Original, stringWidth);',
      ].join('\n'),
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
    b.onEnd((result) => {
      if (result.errors.length === 0 && !swapped) {
        return { errors: [{ text: "ink/build/renderer.js no longer imports './output.js': update the ink-output plugin in scripts/bundle.mjs" }] };
      }
      return undefined;
    });
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
  plugins: [inkOutput],
  // Node 20 has RegExp's v flag: kept as literals, string-width's emoji
  // patterns compile when first used instead of at load (~8 ms).
  supported: { 'regexp-set-notation': true },
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  define: { 'process.env.NODE_ENV': '"production"' },
});
