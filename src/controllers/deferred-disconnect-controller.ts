import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Runs `onRemoved` when the host really left the page: a DOM move (remove and insert in the same
 * task) disconnects and reconnects an element, and must not hang up a call, stop a preview or
 * drop a video. So the decision is deferred past the current task and taken only if the host is
 * still disconnected then. One controller for every element (HOUSE-STYLE, "Elements").
 */
export class DeferredDisconnectController implements ReactiveController {
  private readonly host: ReactiveControllerHost & Element;
  private readonly onRemoved: () => void;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost & Element, onRemoved: () => void) {
    this.host = host;
    this.onRemoved = onRemoved;
    host.addController(this);
  }

  /** True between a disconnect and the deferred decision (the host may be mid-move). */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  hostConnected(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.host.isConnected) this.onRemoved();
    }, 0);
  }
}
