/**
 * Bundles the CLI into dist/bundle/, which is what bin/deploy runs:
 * - deploy.cjs: the whole CLI with its dependencies in one CommonJS file. Node 20 has no
 *   compile cache, and loading ~200 small modules (zod alone is 95 files, ssh2 40) cost
 *   more than the work of a fast command. CommonJS because only a classic script can be
 *   compiled with V8's code cache from user land (src/cli/code-cache.ts).
 * - launcher.js: loads deploy.cjs through that cache; it carries the bundle's hash as its
 *   build id.
 *
 * ssh2's native add-on is required by package path (resolved from dist/bundle to
 * node_modules), so ssh2 keeps its native ciphers; cpu-features stays an optional require.
 * dist/bundle sits as deep as src/cli, so `new URL('../../package.json', import.meta.url)`
 * still finds package.json.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';

const outdir = 'dist/bundle';
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/** `require('./crypto/build/Release/sshcrypto.node')` inside ssh2 → `require('ssh2/lib/…')`. */
const nativeByPackagePath = {
  name: 'native-by-package-path',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const file = createRequire(`${args.resolveDir}/`).resolve(args.path);
      const nm = file.lastIndexOf('/node_modules/');
      return { path: file.slice(nm + '/node_modules/'.length), external: true };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ['src/cli/entry.ts'],
  outfile: `${outdir}/deploy.cjs`,
  format: 'cjs',
  external: ['cpu-features'],
  define: { 'import.meta.url': '__deployModuleUrl' },
  banner: { js: "const __deployModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [nativeByPackagePath],
});
const buildId = createHash('sha256')
  .update(readFileSync(`${outdir}/deploy.cjs`))
  .digest('hex')
  .slice(0, 16);
await build({
  ...common,
  entryPoints: ['src/cli/launcher.ts'],
  outfile: `${outdir}/launcher.js`,
  format: 'esm',
  define: { DEPLOY_BUILD_ID: JSON.stringify(buildId) },
});
console.log(`bundle: ${relative(process.cwd(), outdir)}/deploy.cjs (build ${buildId})`);
