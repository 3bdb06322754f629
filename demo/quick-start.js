// The room comes from ?room=…, or a fresh random one; the link can be opened in a second window.
const params = new URLSearchParams(location.search);
const room = params.get('room') || `demo-${Math.random().toString(36).slice(2, 8)}`;
if (!params.get('room')) history.replaceState(null, '', `?room=${room}`);

const call = document.getElementById('call');
const input = document.getElementById('room');
const share = document.getElementById('share');
call.room = room;
input.value = room;
share.href = location.href;
share.textContent = location.href;

document.getElementById('room-form').addEventListener('submit', (e) => {
  e.preventDefault();
  location.search = `?room=${encodeURIComponent(input.value)}`;
});
call.addEventListener('rtc-error', (e) => console.info('rtc-error', e.detail.code, e.detail.message));
