/** Registers `<rtc-video-tile>`. Import `rtc-call/rtc-video-tile.js` to use the tile on its own. */
import { RtcVideoTile } from './components/video-tile/video-tile.js';
import { defineElement } from './utils/define-element.js';

defineElement('rtc-video-tile', RtcVideoTile);

export { RtcVideoTile };

declare global {
  interface HTMLElementTagNameMap {
    'rtc-video-tile': RtcVideoTile;
  }
}
