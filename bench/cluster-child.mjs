// A signaling node for bench/cluster.mjs in its own process (compiled server/dist): options as
// JSON in argv[2] (`redisUrl` makes it a cluster node). Reports { port } over IPC once ready;
// answers 'stats' with its stats() and RSS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib.mjs';

const { createRtcServer } = await import(join(root, 'server', 'dist', 'index.js'));
const options = JSON.parse(process.argv[2] ?? '{}');
const rtc = createRtcServer({ joinRateLimit: 0, concurrentLimit: 1_000_000, log: () => {}, ...options });
await rtc.ready;
rtc.server.listen(0, '127.0.0.1', 4096, () => process.send({ port: rtc.server.address().port }));
process.on('message', (m) => {
  if (m === 'stats') {
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
    process.send({ stats: rtc.stats(), rss });
  }
});
process.on('disconnect', () => void rtc.close().then(() => process.exit(0)));
