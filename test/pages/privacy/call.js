// The page's own code: one <rtc-call> that joins at once, room and name from the URL, and the
// server only if the URL names one (the one-tag bundle talks to the server its script came from).
const params = new URLSearchParams(location.search);
const call = document.createElement('rtc-call');
if (params.get('server')) call.setAttribute('server', params.get('server'));
call.setAttribute('room', params.get('room') ?? 'lobby');
call.setAttribute('display-name', params.get('name') ?? 'Guest');
call.setAttribute('autojoin', '');
document.body.append(call);
