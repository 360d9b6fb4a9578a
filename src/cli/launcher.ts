/** What bin/deploy runs: the bundled CLI beside this file, through the code cache. */
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { launch } from './code-cache.js';

/** Set by scripts/bundle.mjs: a hash of the bundle this launcher was built with. */
declare const DEPLOY_BUILD_ID: string;

launch({
  bundleFile: fileURLToPath(new URL('./deploy.cjs', import.meta.url)),
  buildId: DEPLOY_BUILD_ID,
  argv: process.argv,
  env: process.env,
  home: homedir(),
});
