// A consumer's app: rtc-call from the npm build (`import 'rtc-call'` is dist/index.js), bundled by
// scripts/build-privacy-app.mjs with rollup the way an app would be (real peerjs and
// webrtc-adapter, code splitting), then the page code.
import 'rtc-call';
import './call.js';
