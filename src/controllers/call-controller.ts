/**
 * Binds a CallSession to an element's lifecycle: session reports become DOM events on the host and
 * re-renders; a removed host hangs up (after the current task, so a DOM move does not).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { DeferredDisconnectController } from './deferred-disconnect-controller.js';
import { CallSession, type CallSessionListener } from '../core/session/call-session.js';
import type { RtcError } from '../core/errors.js';
import type { CallState, LeaveReason, Participant, ParticipantLeaveReason } from '../core/types.js';
import { RtcCameraChangeEvent } from '../events/camera-change.js';
import { RtcErrorEvent } from '../events/error.js';
import { RtcJoinedEvent } from '../events/joined.js';
import { RtcLeftEvent } from '../events/left.js';
import { RtcMicChangeEvent } from '../events/mic-change.js';
import { RtcParticipantJoinedEvent } from '../events/participant-joined.js';
import { RtcParticipantLeftEvent } from '../events/participant-left.js';
import { RtcParticipantUpdatedEvent } from '../events/participant-updated.js';
import { RtcStateChangeEvent } from '../events/state-change.js';

/** What the host hears about besides re-rendering (announcements, notices). */
export interface CallControllerCallbacks {
  stateChange?(state: CallState, previous: CallState): void;
  participantJoined?(participant: Participant): void;
  participantLeft?(participant: Participant, reason: ParticipantLeaveReason): void;
  participantUpdated?(participant: Participant, before: Participant | undefined): void;
  error?(error: RtcError): void;
  left?(reason: LeaveReason): void;
  joined?(): void;
}

export class CallController implements ReactiveController {
  readonly session: CallSession;
  private readonly host: ReactiveControllerHost & HTMLElement;
  private readonly callbacks: CallControllerCallbacks;

  constructor(host: ReactiveControllerHost & HTMLElement, callbacks: CallControllerCallbacks = {}) {
    this.host = host;
    this.callbacks = callbacks;
    host.addController(this);
    // Removal hangs up and releases the devices; a DOM move does not.
    new DeferredDisconnectController(host, () => {
      void this.session.leave('removed');
      this.session.stopMedia();
    });
    const previousById = new Map<string, Participant>();
    const listener: CallSessionListener = {
      stateChange: (state, previous) => {
        this.update();
        this.dispatch(new RtcStateChangeEvent({ state, previous }));
        this.callbacks.stateChange?.(state, previous);
      },
      joined: (room, participantId) => {
        this.update();
        this.dispatch(new RtcJoinedEvent({ room, participantId }));
        this.callbacks.joined?.();
      },
      left: (reason) => {
        previousById.clear();
        this.update();
        this.dispatch(new RtcLeftEvent({ reason }));
        this.callbacks.left?.(reason);
      },
      participantJoined: (participant) => {
        previousById.set(participant.id, participant);
        this.update();
        this.dispatch(new RtcParticipantJoinedEvent({ participant }));
        this.callbacks.participantJoined?.(participant);
      },
      participantLeft: (participant, reason) => {
        previousById.delete(participant.id);
        this.update();
        this.dispatch(new RtcParticipantLeftEvent({ participant, reason }));
        this.callbacks.participantLeft?.(participant, reason);
      },
      participantUpdated: (participant) => {
        const before = previousById.get(participant.id);
        previousById.set(participant.id, participant);
        this.update();
        this.dispatch(new RtcParticipantUpdatedEvent({ participant }));
        this.callbacks.participantUpdated?.(participant, before);
      },
      micChange: (enabled) => {
        this.update();
        this.dispatch(new RtcMicChangeEvent({ enabled }));
      },
      cameraChange: (enabled) => {
        this.update();
        this.dispatch(new RtcCameraChangeEvent({ enabled }));
      },
      error: (error) => {
        this.update();
        this.dispatch(new RtcErrorEvent(error));
        this.callbacks.error?.(error);
      },
      localMediaChange: () => this.update(),
    };
    this.session = new CallSession(listener);
  }

  hostConnected(): void {}

  private update(): void {
    this.host.requestUpdate();
  }

  private dispatch(event: Event): void {
    this.host.dispatchEvent(event);
  }
}
