/**
 * The SFU transport's signaling socket: the same websocket of our relay the mesh opens through
 * PeerJS (`<path>/peerjs?key=…&id=…&token=…`, PeerJS's OPEN and HEARTBEAT frames), opened
 * directly — the SFU mode has no PeerJS at all. It carries room events (ROOM), the SFU's SDP and
 * candidates (SFU) and, relayed by the server, the participants' own messages (SIGNAL).
 */
import type { SignalingEndpoint } from '../transport.js';

/** PeerJS's client sends one every 5 s; the relay cuts a socket silent for 60 s. */
const HEARTBEAT_MS = 5_000;

export interface Frame {
  type?: string;
  src?: string;
  dst?: string;
  payload?: unknown;
}

export interface SocketHandlers {
  onFrame(frame: Frame): void;
  /** The socket closed (not by close()); `opened`: it had been open. */
  onClose(opened: boolean, code: number): void;
}

export class SignalingSocket {
  private ws: WebSocket | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private isOpen = false;

  constructor(private readonly handlers: SocketHandlers) {}

  get open(): boolean {
    return this.isOpen;
  }

  /** Opens with this id and token; resolves at the server's OPEN, rejects when it closes first or `timeoutMs` passes. */
  connect(endpoint: SignalingEndpoint, path: string, key: string, id: string, token: string, timeoutMs: number): Promise<void> {
    this.close();
    const base = `${endpoint.secure ? 'wss' : 'ws'}://${endpoint.host}:${endpoint.port}${path.replace(/\/+$/, '')}/peerjs`;
    const url = `${base}?key=${encodeURIComponent(key)}&id=${encodeURIComponent(id)}&token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(url);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.close();
        reject(new Error(`the signaling socket did not open within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      ws.onmessage = (event) => {
        if (this.ws !== ws || typeof event.data !== 'string') return;
        let frame: Frame;
        try {
          frame = JSON.parse(event.data) as Frame;
        } catch {
          return;
        }
        if (!frame || typeof frame !== 'object') return;
        if (frame.type === 'OPEN' && !this.isOpen) {
          this.isOpen = true;
          this.heartbeat = setInterval(() => this.send({ type: 'HEARTBEAT' }), HEARTBEAT_MS);
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            resolve();
          }
          return;
        }
        this.handlers.onFrame(frame);
      };
      ws.onclose = (event) => {
        if (this.ws !== ws) return;
        const opened = this.isOpen;
        this.stop();
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(`the signaling socket closed (${event.code})`));
          return;
        }
        this.handlers.onClose(opened, event.code);
      };
    });
  }

  send(frame: Frame): void {
    if (this.isOpen && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private stop(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.isOpen = false;
    this.ws = null;
  }

  /** Closes without telling the handlers. */
  close(): void {
    const ws = this.ws;
    this.stop();
    if (ws) {
      ws.onmessage = null;
      ws.onclose = null;
      ws.close(1000);
    }
  }
}
