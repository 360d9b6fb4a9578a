/** The CLI process: runs `main` and leaves its exit code for Node to exit with. */
import { main } from './main.js';

void main(process.argv).then((code) => {
  process.exitCode = code;
});
