// Starts Debian's Janus (`janus`, VideoRoom plugin, websockets transport) for a test, with a
// generated configuration folder of its own: only the VideoRoom plugin and the websockets
// transport, websockets on 127.0.0.1:<port>, RTP on a port range of its own. Used by the server
// tests and by the browser tests' plugin (test/plugins/rtc-test-server.mjs). Inside the test
// namespace Janus gathers on the veth address (libnice skips loopback: ENVIRONMENT-NOTES).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LIB = '/usr/lib/x86_64-linux-gnu/janus';
const JANUS = process.env.JANUS_PATH ?? '/usr/bin/janus';

export const NO_JANUS_MESSAGE = `Janus is not installed (${JANUS}): apt-get install janus (and systemctl stop janus), or set JANUS_PATH.`;

export function hasJanus() {
  return existsSync(JANUS) && existsSync(join(LIB, 'plugins', 'libjanus_videoroom.so'));
}

const others = (folder, keep) =>
  readdirSync(join(LIB, folder)).filter((f) => f.endsWith('.so') && f !== keep).join(',');

function canConnect(port) {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * A running Janus: `{ url, port, stop(), kill() }`. `port` is the websockets port (a free one from
 * the caller); `rtpBase` the first of 1000 RTP ports.
 */
export async function startJanus({ port, rtpBase = 20000 + Math.floor(Math.random() * 40) * 1000, logLevel = 3 } = {}) {
  if (!hasJanus()) throw new Error(NO_JANUS_MESSAGE);
  if (!port) throw new Error('startJanus needs a free port');
  const dir = mkdtempSync(join(tmpdir(), 'rtc-janus-'));
  writeFileSync(join(dir, 'janus.jcfg'), `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
  debug_level = ${logLevel}
  admin_secret = "${Math.random().toString(36).slice(2)}"
  protected_folders = []
}
media: {
  rtp_port_range = "${rtpBase}-${rtpBase + 999}"
}
nat: {
  nice_debug = false
  ignore_mdns = true
}
plugins: {
  disable = "${others('plugins', 'libjanus_videoroom.so')}"
}
transports: {
  disable = "${others('transports', 'libjanus_websockets.so')}"
}
events: {
  broadcast = false
}
loggers: {
  disable = "${others('loggers', '')}"
}
`);
  writeFileSync(join(dir, 'janus.transport.websockets.jcfg'), `general: {
  json = "indented"
  ws = true
  ws_port = ${port}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`);
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  // In the temporary folder: a crash's core file (where the system writes one) is not left in the checkout.
  const proc = spawn(JANUS, ['-F', dir, '-C', join(dir, 'janus.jcfg'), '--disable-colors'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
  let out = '';
  proc.stdout.on('data', (d) => { out = (out + d).slice(-20_000); });
  proc.stderr.on('data', (d) => { out = (out + d).slice(-20_000); });
  let ending = false;
  // Janus ending by itself mid-run (a crash) fails whatever test used it next in ways that do
  // not name it: say so, with its last words.
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => {
    if (!ending) console.error(`janus (pid ${proc.pid}, ws port ${port}) ended by itself (${signal ?? `exit code ${code}`}); its last log lines:\n${out.slice(-4000)}`);
    resolve();
  }));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`janus exited (${proc.exitCode ?? proc.signalCode}):\n${out}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`janus did not open ws://127.0.0.1:${port} within 15 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const end = async (signal) => {
    ending = true;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGKILL'); await exited; }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    pid: proc.pid,
    log: () => out,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}
