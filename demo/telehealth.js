// One visit, two views: ?role=provider (the clinician; joins at once) and ?role=patient (a device
// check first; the picker's `persist` stores the choice under localStorage['rtc-call:devices'],
// which <rtc-call> reads when it joins). In production the clinic backend would hand each side a
// room token (`token` attribute) for the visit; this demo server needs none.
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

call.addEventListener('rtc-leave-request', (e) => {
  if (role === 'provider' && !confirm('End the visit for you?')) e.preventDefault();
});
call.addEventListener('rtc-participant-joined', (e) => {
  $('role-line').textContent = `Video visit — ${e.detail.participant.displayName} is here`;
});

function enterVisit(name) {
  call.displayName = name;
  $('visit').hidden = false;
  call.join().catch(() => {}); // a failure is shown in the element and arrives as rtc-error
}

if (role === 'provider') {
  $('role-line').textContent = 'Video visit — provider view';
  $('provider-tools').hidden = false;
  $('patient-link').href = patientUrl;
  $('patient-link').textContent = patientUrl;
  enterVisit('Dr. Rivera');
} else {
  $('role-line').textContent = 'Video visit — patient view';
  $('check').hidden = false;
  $('enter-form').addEventListener('submit', (e) => {
    e.preventDefault();
    $('check').hidden = true;
    // Removing the picker closes its preview, so the call can open the same devices.
    $('picker').remove();
    enterVisit($('patient-name').value.trim() || 'Patient');
  });
}
