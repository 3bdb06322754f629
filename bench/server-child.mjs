// The server under load in bench/server.mjs, in its own process so its memory can be read from
// /proc/<pid>/status: `rtc` = createRtcServer (compiled server/dist), `plain` = `peer`'s
// ExpressPeerServer alone. Reports { port } over IPC; answers 'gc' with 'gc-done'.
import http from 'node:http';
import { join } from 'node:path';
import v8 from 'node:v8';
import { root } from './lib.mjs';

const kind = process.argv[2];
const LIMIT = 1_000_000;
let server;
if (kind === 'rtc') {
  const { createRtcServer } = await import(join(root, 'server', 'dist', 'index.js'));
  ({ server } = createRtcServer({ joinRateLimit: 0, concurrentLimit: LIMIT, leaveGraceMs: 0, log: () => {} }));
} else if (kind === 'plain') {
  const { default: express } = await import('express');
  const { ExpressPeerServer } = await import('peer');
  const app = express();
  server = http.createServer(app);
  app.use('/', ExpressPeerServer(server, { path: '/', allow_discovery: false, concurrent_limit: LIMIT }));
} else {
  throw new Error(`server-child: unknown kind ${kind}`);
}
server.listen(0, '127.0.0.1', 4096, () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'gc') {
    for (let i = 0; i < 3; i++) global.gc?.();
    process.send({ gc: true, memory: process.memoryUsage(), spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size])) });
  }
});
process.on('disconnect', () => process.exit(0));
