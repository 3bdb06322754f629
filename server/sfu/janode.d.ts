// The parts of janode (Meetecho's Janus client, plain JavaScript) the SFU driver uses.
declare module 'janode' {
  import type { EventEmitter } from 'node:events';
  export interface JanodeConnection extends EventEmitter {
    create(keepAliveSecs?: number): Promise<JanodeSession>;
    close(): Promise<void>;
    getInfo(): Promise<unknown>;
  }
  export interface JanodeSession extends EventEmitter {
    attach<H>(plugin: { Handle: new (...args: never[]) => H; id: string }): Promise<H>;
    destroy(): Promise<void>;
  }
  const Janode: {
    connect(config: { address: { url: string } | Array<{ url: string }>; retry_time_secs?: number; max_retries?: number }): Promise<JanodeConnection>;
    Logger: { setLevel(level: 'debug' | 'verb' | 'info' | 'warn' | 'error' | 'none'): string };
    EVENT: { CONNECTION_CLOSED: string; CONNECTION_ERROR: string; SESSION_DESTROYED: string; HANDLE_DETACHED: string; HANDLE_TRICKLE: string; HANDLE_HANGUP: string; HANDLE_WEBRTCUP: string };
  };
  export default Janode;
}

declare module 'janode/plugins/videoroom' {
  import type { EventEmitter } from 'node:events';
  export interface Jsep { type: 'offer' | 'answer'; sdp: string }
  export interface SubscriberStream { mid: string; type?: string; feed_id?: number; feed_mid?: string; active?: boolean; send?: boolean; feed_display?: string }
  export interface VideoRoomHandle extends EventEmitter {
    create(p: Record<string, unknown>): Promise<{ room: number }>;
    destroy(p: { room: number; secret?: string }): Promise<unknown>;
    allow(p: { room: number; action: 'enable' | 'disable' | 'add' | 'remove'; list: string[]; secret?: string }): Promise<unknown>;
    joinConfigurePublisher(p: Record<string, unknown>): Promise<{ feed: number; jsep?: Jsep }>;
    configure(p: Record<string, unknown>): Promise<{ jsep?: Jsep }>;
    joinSubscriber(p: Record<string, unknown>): Promise<{ streams?: SubscriberStream[]; jsep?: Jsep }>;
    update(p: { subscribe?: Array<Record<string, unknown>>; unsubscribe?: Array<Record<string, unknown>> }): Promise<{ streams?: SubscriberStream[]; jsep?: Jsep }>;
    start(p: { jsep: Jsep }): Promise<unknown>;
    leave(): Promise<unknown>;
    trickle(candidate: unknown): Promise<unknown>;
    trickleComplete(): Promise<unknown>;
    detach(): Promise<void>;
  }
  const VideoRoomPlugin: { Handle: new (...args: never[]) => VideoRoomHandle; id: string; EVENT: Record<string, string> };
  export default VideoRoomPlugin;
}
