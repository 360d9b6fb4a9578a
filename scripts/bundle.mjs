/**
 * Bundles the CLI into dist/bundle/ (one entry, one chunk per lazily loaded command), which
 * is what bin/deploy runs: Node 20 has no compile cache, and loading ~180 small modules
 * (zod alone is 95 files) cost more than the work of a fast command.
 *
 * ssh2 stays a normal import: it loads optional native add-ons by path. dist/bundle sits as
 * deep as dist/cli, so `new URL('../../package.json', import.meta.url)` still finds
 * package.json.
 */
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['ssh2', 'cpu-features'],
  // Bundled CommonJS packages (commander) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __deployRequire } from 'node:module'; const require = __deployRequire(import.meta.url);",
  },
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
});
