// React 19 JSX with the generated typings (`rtc-call/jsx`, from the manifest). The first component
// must type-check; in the second every line marked @ts-expect-error must be an error, and `tsc`
// fails if one stops being one (the directive is then unused). Each wrong usage sits alone on the
// line after its directive, since @ts-expect-error covers only the next line.
import { useRef } from 'react';
import type { RtcCall } from 'rtc-call';
import type { CustomElements } from 'rtc-call/jsx';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements extends CustomElements {}
  }
}

export function Visit({ room, stream, onLeft }: { room: string; stream: MediaStream; onLeft: () => void }) {
  const call = useRef<RtcCall>(null);
  return (
    <div>
      <rtc-device-picker persist preview kinds="videoinput audioinput" onrtc-device-change={(e) => console.log(e.detail.kind, e.detail.deviceId)} />
      {/* camelCase properties, which React 19 sets as properties */}
      <rtc-call
        ref={call}
        room={room}
        server="https://calls.example-clinic.org"
        displayName="Dr. Rivera"
        autojoin
        micOff={false}
        cameraOff
        audioOnly={false}
        videoInput=""
        audioOutput="default"
        localStream={stream}
        lang="de"
        id="visit"
        className="call"
        slot="main"
        onrtc-joined={(e) => console.log(e.detail.participantId)}
        onrtc-error={(e) => console.warn(e.detail.code, e.detail.fatal)}
        onrtc-leave-request={(e) => e.preventDefault()}
        onrtc-left={() => onLeft()}
      />
      {/* the attributes, hyphenated: their values are checked when the name is spelt right */}
      <rtc-call room={room} display-name="Dr. Rivera" audio-only={false} mic-off />
      <rtc-video-tile displayName="Ann" noMirror fit="contain" status="reconnecting" sinkId="" stream={stream} onrtc-speaking-change={(e) => e.detail.speaking} />
    </div>
  );
}

export function Mistakes({ room }: { room: string }) {
  const onJoined = (e: Event) => console.log(e.type);
  return (
    <div>
      {/* @ts-expect-error a misspelt property */}
      <rtc-call room={room} displayNme="Dr. Rivera" />
      {/* @ts-expect-error a misspelt boolean property */}
      <rtc-call room={room} autojoinn />
      {/* @ts-expect-error room is a string */}
      <rtc-call room={4711} />
      {/* @ts-expect-error displayName is a string */}
      <rtc-call displayName={42} />
      {/* @ts-expect-error micOff is a boolean */}
      <rtc-call micOff="yes" />
      {/* @ts-expect-error localStream is a MediaStream */}
      <rtc-call localStream="camera" />
      {/* @ts-expect-error fit is 'cover' | 'contain' */}
      <rtc-video-tile fit="fill" />
      {/* @ts-expect-error status is a ConnectionState */}
      <rtc-video-tile status="online" />
      {/* @ts-expect-error a correctly spelt attribute's value is checked: display-name is a string */}
      <rtc-call display-name={42} />
      {/* @ts-expect-error state is read-only: React would assign it and the getter throws */}
      <rtc-call state="connected" />
      {/* @ts-expect-error participants is read-only */}
      <rtc-call participants={[]} />
      {/* @ts-expect-error speaking is read-only */}
      <rtc-video-tile speaking />
      {/* @ts-expect-error the picker's status is read-only */}
      <rtc-device-picker status="ready" />
      {/* @ts-expect-error a property of another element: stream is the tile's, the call's is localStream */}
      <rtc-call stream={null} />
      {/* @ts-expect-error a wrong detail: rtc-joined's has participantId, not peerId */}
      <rtc-call room={room} onrtc-joined={(e) => e.detail.peerId} />
      {/* @ts-expect-error the handler gets the event's class: rtc-error's detail has no participantId */}
      <rtc-call onrtc-error={(e) => e.detail.participantId} />
      {/* @ts-expect-error a handler for another event of the element: (RtcJoinedEvent) => void */}
      <rtc-call onrtc-left={(e: import('rtc-call').RtcJoinedEvent) => e.detail.room} />
      {/* @ts-expect-error a misspelt event with an inline handler: its `e` is an implicit any (strict) */}
      <rtc-call onrtc-joinedd={(e) => e.detail.participantId} />
      {/* NOT caught — hyphenated names are never checked for typos, so these compile (README says so): */}
      <rtc-call display-nme="Dr. Rivera" onrtc-joinedd={onJoined} onrtc-lefft={() => {}} />
    </div>
  );
}
