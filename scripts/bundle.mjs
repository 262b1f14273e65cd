// Bundles the CLI for start-up speed (see bin/tsbox.js). Outputs:
//  - dist/cli/main.cjs: every command, one CommonJS file that loads no Ink
//    or React. CommonJS, because Node 20 loads ES modules asynchronously
//    (a thread-pool read per file, a resolve and link step per import), which
//    cost `tsbox ps` ~10 ms over loading one script; and one script can be
//    loaded with a V8 code cache:
//  - dist/cli/main.cjs.cache: V8's compiled code for it, written by
//    scripts/code-cache.cjs after running a few commands, so that start-up
//    neither parses nor compiles the functions those commands use.
//  - dist/cli/ui.js: the dashboard, an ES module with Ink, React and zustand
//    bundled in, which halves the time to its first frame against loading
//    them from node_modules (ink alone pulls in hundreds of small modules).
//    main.cjs imports it through dist/cli/import-ui.cjs (see uiImport).
//    Ink is patched in it: its frame buffer and its text caches (below).
//  - dist/cli/ui-testing.js: hooks into that same bundle for the tests and
//    the benchmark, so that they draw with the renderer that ships.
//  - dist/cli/runtime.cjs and its .cache: tsbox-runtime, the same way.
//  - dist/cli/execa.cjs: execa, which runs the external programs (tar, cp,
//    newuidmap...), as a CommonJS bundle of its own that main.cjs requires
//    at the first program run (see execaOnDemand).
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// chunk names carry content hashes: start clean so stale chunks do not pile up
rmSync('dist/cli', { recursive: true, force: true });

const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' };

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

// Ink's text caches (ink/build/measure-text.js, ink/build/wrap-text.js)
// become the bounded caches of src/ui/ink-caches.ts, the width Ink's
// renderer takes of every text on every frame (render-node-to-output.js,
// uncached) comes from the measure cache, and the measure itself is fast
// for the characters the dashboard draws (src/ui/ink-width.ts): those files
// say why. Each file
// is patched where it makes or uses what is replaced; the build fails if a
// patch no longer finds exactly what it replaces, rather than shipping Ink
// unpatched.
const cachesModule = JSON.stringify(path.join(repo, 'src/ui/ink-caches.ts'));
const widthModule = JSON.stringify(path.join(repo, 'src/ui/ink-width.ts'));
const inkCaches = {
  name: 'ink-caches',
  setup(b) {
    const patches = {
      'measure-text.js': {
        imports: `import { inkTextCache } from ${cachesModule}; import { widestLine as fastWidestLine } from ${widthModule}; import stringWidth from 'string-width';`,
        edits: [
          ['const cache = new Map();', "const cache = inkTextCache('measure-text');"],
          ['const width = widestLine(text);', 'const width = fastWidestLine(text, stringWidth);'],
        ],
      },
      'wrap-text.js': {
        imports: `import { inkTextCache } from ${cachesModule};`,
        edits: [
          ['const cache = {};', "const cache = inkTextCache('wrap-text');"],
          ['cache[cacheKey] = wrappedText;', 'cache.set(cacheKey, wrappedText);'],
          ['cache[cacheKey]', 'cache.get(cacheKey)'],
        ],
      },
      'render-node-to-output.js': {
        imports: "import measureText from './measure-text.js';",
        edits: [['const currentWidth = widestLine(text);', 'const currentWidth = measureText(text).width;']],
      },
    };
    const patched = new Set();
    b.onLoad({ filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/](measure-text|wrap-text|render-node-to-output)\.js$/ }, (args) => {
      const file = path.basename(args.path);
      let text = readFileSync(args.path, 'utf8');
      for (const [from, to] of patches[file].edits) {
        const count = text.split(from).length - 1;
        if (count !== 1) throw new Error(`ink/build/${file} has ${count} of ${JSON.stringify(from)}, not one: update the ink-caches plugin in scripts/bundle.mjs`);
        text = text.replace(from, to);
      }
      patched.add(file);
      return { contents: `${patches[file].imports}\n${text}`, loader: 'js' };
    });
    b.onEnd((result) => {
      const missing = Object.keys(patches).filter((f) => !patched.has(f));
      if (result.errors.length === 0 && missing.length) return { errors: [{ text: `ink/build/${missing.join(', ')} no longer bundled: update the ink-caches plugin in scripts/bundle.mjs` }] };
      return undefined;
    });
  },
};

// @alcalzone/ink-table makes each row's React key from object-hash's sha1 of
// the row: object-hash loads node:crypto, and hashes a small row in ~0.3 ms
// on this VM (a whole tab's worth, 2-3 ms, at every render of its table).
// A key only has to tell rows apart, and a row's JSON does: the bundle gives
// ink-table a sha1 that returns it. The build fails if ink-table no longer
// imports object-hash, rather than quietly bundling it.
const inkTableKeys = {
  name: 'ink-table-keys',
  setup(b) {
    let shimmed = false;
    b.onResolve({ filter: /^object-hash$/ }, (args) => {
      if (!/[\\/]@alcalzone[\\/]ink-table[\\/]/.test(args.importer)) return undefined;
      shimmed = true;
      return { path: 'object-hash', namespace: 'ink-table-keys' };
    });
    b.onLoad({ filter: /.*/, namespace: 'ink-table-keys' }, () => ({ contents: 'export const sha1 = (row) => JSON.stringify(row);', loader: 'js' }));
    b.onEnd((result) => {
      if (result.errors.length === 0 && !shimmed) return { errors: [{ text: "@alcalzone/ink-table no longer imports 'object-hash': update the ink-table-keys plugin in scripts/bundle.mjs" }] };
      return undefined;
    });
  },
};

// `import fs from 'node:fs'` becomes, in a CommonJS bundle, a copy of the
// whole module object made at every importing file (esbuild's __toESM: ~60
// copies of fs, path and os, ~2 ms at start-up). Node's built-ins are
// CommonJS already: each is required once, in a module of our own that
// exports it as the default and its functions by name. A named import of
// something that is not a plain property (fs.promises is a lazy getter)
// fails the build rather than loading it at start-up.
const builtinsOnce = {
  name: 'builtins-once',
  setup(b) {
    const names = new Set(builtinModules);
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.namespace === 'builtin') return { path: args.path, external: true }; // its own require
      return names.has(args.path.slice(5)) ? { path: args.path, namespace: 'builtin' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const plain = plainProperties(args.path);
      return {
        contents: [`const m = require(${JSON.stringify(args.path)});`, 'export default m;', ...plain.map((k) => `export const ${k} = m.${k};`)].join('\n'),
        loader: 'js',
      };
    });
  },
};

/**
 * The names of a built-in's plain (value) properties, asked of a fresh Node.
 * In this process they are no guide: an ESM import of a built-in reads every
 * property, which turns lazy getters (fs.Dir, fs.opendir) into values; copied
 * into the bundle, each would load its module at start-up (internal/fs/dir).
 */
function plainProperties(name) {
  const list = `const d = Object.getOwnPropertyDescriptors(require(${JSON.stringify(name)}));
    console.log(JSON.stringify(Object.keys(d).filter((k) => 'value' in d[k] && /^[A-Za-z_$][\\w$]*$/.test(k) && k !== 'default')));`;
  const r = spawnSync(process.execPath, ['-e', list], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`listing the properties of ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const ui = await build({
  ...common,
  // ui-testing.js: the same chunks, Ink and its patches included, for the
  // tests and the benchmark (src/ui/testing.ts)
  entryPoints: { ui: 'src/ui/main.tsx', 'ui-testing': 'src/ui/testing.ts' },
  metafile: true,
  outdir: 'dist/cli',
  // Ink loads its devtools lazily; splitting keeps that import lazy too.
  splitting: true,
  chunkNames: 'ui-chunks/[name]-[hash]',
  // Ink's optional devtools are not shipped; CommonJS dependencies (React,
  // signal-exit) need a real require for Node built-ins.
  external: ['react-devtools-core'],
  plugins: [inkOutput, inkCaches, inkTableKeys],
  // Node 20 has RegExp's v flag: kept as literals, string-width's emoji
  // patterns compile when first used instead of at load (~8 ms).
  supported: { 'regexp-set-notation': true },
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  define: { 'process.env.NODE_ENV': '"production"' },
});

// The CLI imports the dashboard as '../../ui/main.js'. main.cjs runs from a
// V8 code cache, and Node 20 loses the loader of an import() in code from a
// cache (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): the import() is made by
// import-ui.cjs, a file Node loads itself, and main.cjs gets a stand-in for
// each export of ui.js that calls through to it.
const uiExports = ui.metafile.outputs['dist/cli/ui.js'].exports;
writeFileSync('dist/cli/import-ui.cjs', "// Written by scripts/bundle.mjs: see uiImport there.\nmodule.exports = () => import('./ui.js');\n");
function uiImport(names) {
  return {
    name: 'ui-import',
    setup(b) {
      b.onResolve({ filter: /\/ui\/main\.js$/ }, () => ({ path: 'ui', namespace: 'ui-import' }));
      b.onResolve({ filter: /^\.\/import-ui\.cjs$/ }, (args) => ({ path: args.path, external: true }));
      b.onLoad({ filter: /.*/, namespace: 'ui-import' }, () => ({
        contents: ["const load = require('./import-ui.cjs');", ...names.map((n) => `export const ${n} = (...args) => load().then((m) => m.${n}(...args));`)].join('\n'),
        loader: 'js',
      }));
    },
  };
}

// execa is ES modules only, and ~300 KB bundled: inside main.cjs it would be
// read, and its code cached, by every command, `tsbox ps` too, which never
// runs a program. It is a CommonJS bundle of its own instead, and the
// engine's `import('execa')` (src/engine/programs.ts) becomes a require of
// it, made when that import() runs.
await build({
  ...common,
  format: 'cjs',
  stdin: { contents: "export { execa } from 'execa';", resolveDir: repo, loader: 'js' },
  outfile: 'dist/cli/execa.cjs',
});
const execaOnDemand = {
  name: 'execa-on-demand',
  setup(b) {
    b.onResolve({ filter: /^execa$/ }, () => ({ path: 'execa', namespace: 'execa-on-demand' }));
    b.onResolve({ filter: /^\.\/execa\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'execa-on-demand' }, () => ({ contents: "module.exports = require('./execa.cjs');", loader: 'js' }));
  },
};

await build({
  ...common,
  format: 'cjs',
  entryPoints: ['src/cli/main.ts'],
  packages: 'external',
  outfile: 'dist/cli/main.cjs',
  plugins: [uiImport(uiExports), execaOnDemand, builtinsOnce],
  // the helper is found relative to the bundle's own file; the URL is made
  // when asked for (pathToFileURL is ~0.4 ms, and `ps` never asks)
  define: { 'import.meta.url': '__bundle.url' },
  banner: { js: "const __bundle = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
});

// tsbox-runtime (bin/tsbox-runtime.js): src/runtime/main.ts the same way,
// next to main.cjs (so the helper and execa.cjs are found as from it), with
// a code cache of its own: podman and containerd's shim start it several
// times for every container, and loading it as ES modules (~100 files) cost
// ~200 ms of each call.
await build({
  ...common,
  format: 'cjs',
  entryPoints: ['src/runtime/main.ts'],
  packages: 'external',
  outfile: 'dist/cli/runtime.cjs',
  plugins: [execaOnDemand, builtinsOnce],
  define: { 'import.meta.url': '__bundle.url' },
  banner: { js: "const __bundle = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
});

// bin/tsbox.js reads main.cjs as latin1, which is right for ASCII only
// (esbuild escapes other characters by default).
for (const f of ['dist/cli/main.cjs', 'dist/cli/runtime.cjs']) {
  if (readFileSync(f).some((b) => b > 127)) throw new Error(`${f} is not ASCII: bin/load-bundle.js reads it as latin1`);
}

// The code cache is written by a separate Node process, so that V8 makes it
// with the flags `tsbox` runs with (V8 refuses a cache made under others).
const cache = spawnSync(process.execPath, [path.join(repo, 'scripts/code-cache.cjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
if (cache.status !== 0) throw new Error('scripts/code-cache.cjs failed: see above');
const runtimeCache = spawnSync(process.execPath, [path.join(repo, 'scripts/runtime-code-cache.cjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
if (runtimeCache.status !== 0) throw new Error('scripts/runtime-code-cache.cjs failed: see above');
