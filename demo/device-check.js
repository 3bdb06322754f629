// The picker persists the choice in localStorage['rtc-call:devices'], which <rtc-call> reads:
// nothing to hand over by hand. The page only echoes the choice and keeps the room in the link.
const picker = document.getElementById('picker');
const choice = document.getElementById('choice');
const room = new URLSearchParams(location.search).get('room');
if (room) document.getElementById('continue').href = `./?room=${encodeURIComponent(room)}`;

picker.addEventListener('rtc-device-change', (e) => {
  const kind = { videoinput: 'Camera', audioinput: 'Microphone', audiooutput: 'Speaker' }[e.detail.kind];
  choice.textContent = `${kind}: ${e.detail.label || 'default'} (remembered)`;
});
picker.addEventListener('rtc-error', (e) => {
  choice.textContent = e.detail.message;
});
