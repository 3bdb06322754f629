// One visit, two views: ?role=provider (the clinician; joins at once, as the host) and
// ?role=patient (name and device check first, then the waiting room until the provider lets them
// in). In production the clinic's backend hands each side a room token for the visit (`token`
// attribute: role host for the provider, guest with `wait: true` for the patient); `npm start`'s
// demo server stands in for that backend at /demo-api/token. A server without it (a plain
// rtc-call-server) gives no tokens: then the visit runs without a waiting room.
const params = new URLSearchParams(location.search);
const role = params.get('role') === 'patient' ? 'patient' : 'provider';
const visit = (params.get('visit') || `visit-${Math.random().toString(36).slice(2, 8)}`).replace(/[^A-Za-z0-9_-]/g, '');
if (!params.get('visit') || !params.get('role')) history.replaceState(null, '', `?role=${role}&visit=${visit}`);

const $ = (id) => document.getElementById(id);
const call = $('call');
call.room = visit;
const patientUrl = new URL(`telehealth.html?role=patient&visit=${visit}`, location.href).href;
$('other-view').href = role === 'provider' ? patientUrl : `telehealth.html?role=provider&visit=${visit}`;
$('other-view').textContent = role === 'provider' ? 'Patient view' : 'Provider view';

/** A room token from the demo server (one person per tab: the same `sub` on a reload). */
async function demoToken(name) {
  const key = `telehealth:${visit}:${role}`;
  const sub = sessionStorage.getItem(key) ?? crypto.randomUUID();
  sessionStorage.setItem(key, sub);
  const body = role === 'provider' ? { room: visit, name, role: 'host', sub } : { room: visit, name, role: 'guest', wait: true, sub };
  try {
    const res = await fetch('/demo-api/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.ok) return (await res.json()).token;
  } catch {
    // Not reachable: the join itself will say so.
  }
  return '';
}

call.addEventListener('rtc-leave-request', (e) => {
  if (role === 'provider' && !confirm('Leave the visit? The patient stays in the room.')) e.preventDefault();
});
call.addEventListener('rtc-end-request', (e) => {
  if (!confirm('End the visit for both of you?')) e.preventDefault();
});
call.addEventListener('rtc-participant-joined', (e) => {
  $('role-line').textContent = `Video visit — ${e.detail.participant.displayName} is here`;
});
call.addEventListener('rtc-knock', (e) => {
  $('role-line').textContent = `Video visit — ${e.detail.participant.displayName} is in the waiting room`;
});
// A device chosen while waiting applies to the call at once (and is remembered: `persist`).
$('waiting-picker')?.addEventListener('rtc-device-change', (e) => {
  const { kind, deviceId } = e.detail;
  call.setDevices(kind === 'videoinput' ? { videoInput: deviceId } : kind === 'audioinput' ? { audioInput: deviceId } : { audioOutput: deviceId });
});

// The connection check reports to the page too: a clinic could log it with the visit, or offer a
// phone call instead when the relay cannot be reached.
$('precall')?.addEventListener('rtc-precall-result', (e) => {
  const { status, checks } = e.detail;
  const advice = $('precall-advice');
  advice.hidden = status !== 'poor';
  advice.textContent = checks.relay.status === 'poor'
    ? 'Your network may block the video visit. You can still enter the waiting room; if the video does not start, Northside Clinic will call you by phone.'
    : 'Please fix what the check points out, then enter the waiting room.';
});

async function enterVisit(name) {
  call.displayName = name;
  call.token = await demoToken(name);
  $('visit').hidden = false;
  call.join().catch(() => {}); // a failure is shown in the element and arrives as rtc-error
}

if (role === 'provider') {
  $('role-line').textContent = 'Video visit — provider view';
  $('provider-tools').hidden = false;
  $('patient-link').href = patientUrl;
  $('patient-link').textContent = patientUrl;
  $('waiting-help').remove();
  void enterVisit('Dr. Rivera');
} else {
  $('role-line').textContent = 'Video visit — patient view';
  $('check').hidden = false;
  $('enter-form').addEventListener('submit', (e) => {
    e.preventDefault();
    $('check').hidden = true;
    // Removing the picker and the check closes their devices (a running check stops), so the call can open them.
    $('picker').remove();
    $('precall').remove();
    void enterVisit($('patient-name').value.trim() || 'Patient');
  });
}
