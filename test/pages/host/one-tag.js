// Page code as a CMS user would write it: no `server` attribute (the element talks to the server
// its script came from), room and name from the URL.
const params = new URLSearchParams(location.search);
const call = document.createElement('rtc-call');
call.setAttribute('room', params.get('room') ?? 'lobby');
call.setAttribute('display-name', params.get('name') ?? 'Guest');
call.setAttribute('autojoin', '');
document.body.append(call);
