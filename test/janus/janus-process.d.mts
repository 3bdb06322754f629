// Types of janus-process.mjs, for the server tests (TypeScript, type-checked).
export declare const NO_JANUS_MESSAGE: string;
export declare function hasJanus(): boolean;

export interface JanusProcess {
  /** `ws://127.0.0.1:<port>`: Janus's websocket API. */
  url: string;
  port: number;
  pid: number | undefined;
  /** The last 20,000 characters Janus printed. */
  log(): string;
  /** SIGTERM (SIGKILL after 5 s), then its configuration folder goes. */
  stop(): Promise<void>;
  /** SIGKILL: Janus vanishes as in a crash. */
  kill(): Promise<void>;
}

export declare function startJanus(options: { port: number; rtpBase?: number; logLevel?: number }): Promise<JanusProcess>;
