// A floating "Talk to us" bubble that expands into an audio-only call: the first open creates
// and joins the call, minimising keeps it going, and leaving folds the panel away.
// An agent opens the same page with ?agent=<room> to join the visitor's room.
const params = new URLSearchParams(location.search);
const agentRoom = params.get('agent');
const room = agentRoom || sessionStorage.getItem('support-room') || `support-${Math.random().toString(36).slice(2, 8)}`;
sessionStorage.setItem('support-room', room);

const panel = document.getElementById('panel');
const talk = document.getElementById('talk');
document.getElementById('agent-link').href = `support.html?agent=${encodeURIComponent(room)}`;

// The call is created on the first "Talk to us": a page that never needs it never asks for a
// microphone, and nothing of the call runs until then.
let call;
function createCall() {
  call = document.createElement('rtc-call');
  call.id = 'call';
  call.audioOnly = true;
  call.room = room;
  call.displayName = agentRoom ? 'Support agent' : 'Visitor';
  call.addEventListener('rtc-state-change', (e) => {
    const inCall = e.detail.state === 'connected' || e.detail.state === 'reconnecting';
    talk.classList.toggle('in-call', inCall);
    talk.textContent = inCall ? 'On a call with support' : 'Talk to us';
  });
  call.addEventListener('rtc-left', () => setOpen(false));
  call.addEventListener('rtc-participant-joined', (e) => {
    if (panel.hidden) talk.textContent = `${e.detail.participant.displayName} joined`;
  });
  panel.append(call);
}

function setOpen(open) {
  panel.hidden = !open;
  talk.setAttribute('aria-expanded', String(open));
}

talk.addEventListener('click', () => {
  const opening = panel.hidden;
  setOpen(opening);
  if (!opening) return;
  if (!call) createCall();
  if (call.state === 'idle' || call.state === 'left' || call.state === 'failed') {
    call.join().catch(() => {}); // failures show in the element and arrive as rtc-error
  }
});
document.getElementById('minimize').addEventListener('click', () => setOpen(false));
