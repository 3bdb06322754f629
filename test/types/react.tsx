// Must type-check: React 19 JSX with the generated typings (`rtc-call/jsx`, from the manifest).
import type { CustomElements } from 'rtc-call/jsx';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements extends CustomElements {}
  }
}

export function Visit({ room, onLeft }: { room: string; onLeft: () => void }) {
  return (
    <div>
      <rtc-device-picker persist preview onrtc-device-change={(e) => console.log(e.detail.kind, e.detail.deviceId)} />
      <rtc-call
        room={room}
        display-name="Dr. Rivera"
        audio-only={false}
        onrtc-joined={(e) => console.log(e.detail.participantId)}
        onrtc-left={() => onLeft()}
      />
      {/* @ts-expect-error a wrong detail is an error in JSX too */}
      <rtc-call room={room} onrtc-joined={(e) => e.detail.peerId} />
    </div>
  );
}
