#!/usr/bin/env node
// The `rtc-call-server` command. A committed file, so npm links it into node_modules/.bin at
// install time, before the compiled CLI (server/dist/cli.js, from `npm run build`) exists.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('rtc-call-server: not built (server/dist/cli.js is missing): run `npm run build` in the rtc-call repository\n');
  process.exit(1);
}
await import(cli.href);
