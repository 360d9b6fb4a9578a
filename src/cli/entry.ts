/** The CLI process: runs `main` and leaves its exit code for Node to exit with. */
import { main } from './main.js';

// A reader that goes away (`deploy update | head -1`) must not kill a deploy half-way, with
// its locks taken and old containers set aside: output that cannot be written is dropped.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

void main(process.argv).then((code) => {
  process.exitCode = code;
});
