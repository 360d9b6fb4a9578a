/**
 * Builds a single-file executable of the CLI with Node's SEA (`npm run sea` →
 * dist/sea/deploy, ~100 MB: the node binary running this, with the CLI injected).
 * Experimental in Node 20, so not part of the build or the tests; see README "Install".
 *
 * - The CLI bundle is built again for SEA: an SEA's `require` loads only built-in modules,
 *   so there is no package.json beside it to read the version from: the two places that
 *   read it get its text inlined (the build fails if they no longer match). ssh2's native
 *   ciphers and cpu-features are optional: left out, ssh2 falls back to pure JS.
 * - The blob carries V8's code cache (`useCodeCache`), which stands in for the launcher's.
 * - postject (the injector Node's docs name) runs through npx from the npm registry; it is
 *   not a dependency of the project.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const outdir = 'dist/sea';
const pkgText = readFileSync('package.json', 'utf8');
const { version } = JSON.parse(pkgText);
const PACKAGE_JSON_READ =
  /readFileSync\(new URL\('\.\.\/\.\.\/package\.json', import\.meta\.url\), 'utf8'\)/g;

const inlinePackageJson = {
  name: 'inline-package-json',
  setup(b) {
    b.onLoad({ filter: /src\/(cli\/main|ledger\/entry)\.ts$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const contents = src.replace(PACKAGE_JSON_READ, JSON.stringify(pkgText));
      if (contents === src) throw new Error(`sea: no package.json read left in ${args.path}`);
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * An SEA's require() warns on every module it cannot load: the optional native modules are
 * left out of the bundle as modules that throw, which ssh2 catches (as when they are absent).
 */
const leaveOutNative = {
  name: 'leave-out-native',
  setup(b) {
    b.onResolve({ filter: /(^cpu-features$|\.node$)/ }, (args) => ({
      path: args.path,
      namespace: 'left-out',
    }));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in the single executable`)});`,
      loader: 'js',
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  entryPoints: ['src/cli/entry.ts'],
  outfile: join(outdir, 'deploy.cjs'),
  format: 'cjs',
  define: { 'import.meta.url': '__deployModuleUrl' },
  banner: { js: "const __deployModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [inlinePackageJson, leaveOutNative],
});

const config = join(outdir, 'sea-config.json');
const blob = join(outdir, 'sea-prep.blob');
writeFileSync(
  config,
  JSON.stringify({
    main: join(outdir, 'deploy.cjs'),
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
const exe = join(outdir, 'deploy');
copyFileSync(process.execPath, exe);
execFileSync(
  'npx',
  [
    '--yes',
    'postject@1.0.0-alpha.6',
    exe,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ],
  // postject warns about ELF .note sections it cannot name; the result runs.
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const got = execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim();
if (got !== version) throw new Error(`sea: ${exe} --version printed "${got}", not ${version}`);
console.log(`sea: ${exe} (${version}, node ${process.version})`);
