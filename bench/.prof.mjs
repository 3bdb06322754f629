import { writeFileSync } from 'node:fs';
import { sandbox, ensureBuild, startRtcServer, launchChromium, openWindow } from './lib.mjs';
sandbox(import.meta.url);
ensureBuild();
const rtc = await startRtcServer();
const browser = await launchChromium();
let room = 0;
const results = [];
for (let i = 0; i < 4; i++) {
  const page = await openWindow(browser, `${rtc.url}/bench/rtc.html`);
  const cdp = await page.createCDPSession();
  const profile = i === 3;
  if (profile) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start'); }
  const r = await page.evaluate((args) => window.bench.joinRtcCall(args), { server: rtc.url, room: `p-${room++}` });
  results.push(r);
  if (profile) {
    const { profile: p } = await cdp.send('Profiler.stop');
    writeFileSync('/tmp/join.cpuprofile', JSON.stringify(p));
  }
  await page.close();
}
console.log(JSON.stringify(results.map((r) => ({ ms: Math.round(r.ms), ...Object.fromEntries(Object.entries(r.phases).map(([k, v]) => [k, Math.round(v)])) }))));
await browser.close();
process.exit(0);
