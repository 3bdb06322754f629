import { css } from 'lit';

/** The element itself, the notices, the pre-join and waiting views; the in-call parts' own styles come with them (call-view.styles.ts). */
export const styles = css`
  /* With no size set: never taller than the viewport, so the controls are in view once its top is;
     the call view takes a definite height from an aspect ratio so the tiles fit inside it. A size
     the page sets wins (both the height and the max-height are the page's to override). */
  :host {
    display: block;
    position: relative;
    box-sizing: border-box;
    min-height: min(var(--rtc-min-height, 360px), 100vh);
    min-height: min(var(--rtc-min-height, 360px), 100dvh);
    max-height: 100vh;
    max-height: 100dvh;
    color: var(--rtc-foreground, #e8eaed);
    background: var(--rtc-background, #202124);
    border-radius: var(--rtc-radius, 12px);
    font-family: var(--rtc-font-family, system-ui, sans-serif);
    overflow: hidden;
    container-type: inline-size;
  }
  :host([hidden]) {
    display: none;
  }
  :host([view='call']) {
    aspect-ratio: var(--rtc-aspect-ratio, 16 / 10);
    /* The minimum height, carried through the ratio, would widen a narrow column's call (390 px
       at 16 / 10 became 576): the inline maximum clamps what the ratio transfers. */
    max-width: 100%;
  }
  @media (max-aspect-ratio: 4 / 5) {
    :host([view='call']) {
      aspect-ratio: var(--rtc-aspect-ratio, 3 / 4);
    }
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  [hidden] {
    display: none !important;
  }
  .base {
    display: flex;
    flex-direction: column;
    gap: var(--rtc-gap, 8px);
    padding: var(--rtc-gap, 8px);
    min-height: inherit;
    max-height: inherit;
    height: 100%;
  }
  .prejoin,
  .waiting {
    min-height: 0;
    overflow: auto;
  }
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
    border: 0;
    border-radius: 999px;
    background: var(--rtc-surface, #3c4043);
    min-width: 44px;
    min-height: 44px;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4em;
    padding: 0 12px;
  }
  button:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--rtc-accent, #1a73e8);
    outline-offset: 2px;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  button svg {
    width: 24px;
    height: 24px;
  }
  .toggle.off {
    background: var(--rtc-danger, #d93025);
    color: #fff;
  }
  .join {
    background: var(--rtc-accent, #1a73e8);
    color: var(--rtc-accent-foreground, #fff);
    padding: 0 24px;
    font-weight: 600;
  }
  .leave {
    background: var(--rtc-danger, #d93025);
    color: #fff;
    padding: 0 20px;
  }
  .notices {
    display: flex;
    flex-direction: column;
    gap: 4px;
  }
  .notices:empty {
    display: none;
  }
  .notice {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 6px 6px 6px 12px;
    background: var(--rtc-surface, #3c4043);
    border-inline-start: 4px solid var(--rtc-danger, #d93025);
    border-radius: calc(var(--rtc-radius, 12px) / 2);
  }
  .notice span {
    flex: 1;
  }
  .notice .dismiss {
    min-width: 32px;
    min-height: 32px;
    background: transparent;
  }
  .notice .notice-action {
    min-height: 32px;
    background: var(--rtc-accent, #1a73e8);
    color: var(--rtc-accent-foreground, #fff);
  }
  .prejoin,
  .waiting {
    display: grid;
    grid-template-columns: minmax(0, 3fr) minmax(200px, 2fr);
    gap: calc(var(--rtc-gap, 8px) * 2);
    align-items: center;
    flex: 1;
  }
  @container (max-width: 560px) {
    .prejoin,
    .waiting {
      grid-template-columns: 1fr;
    }
  }
  .hint {
    margin: 0;
    opacity: 0.85;
  }
  .notice.info {
    border-inline-start-color: var(--rtc-accent, #1a73e8);
  }
  .prejoin-side {
    display: flex;
    flex-direction: column;
    gap: calc(var(--rtc-gap, 8px) * 1.5);
  }
  .title {
    margin: 0;
    font-size: 1.35rem;
    font-weight: 500;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 4px;
  }
  input {
    font: inherit;
    color: inherit;
    background: var(--rtc-surface, #3c4043);
    border: 1px solid transparent;
    border-radius: calc(var(--rtc-radius, 12px) / 2);
    padding: 10px 12px;
  }
  .toggles {
    display: flex;
    gap: var(--rtc-gap, 8px);
  }
  .controls {
    display: flex;
    justify-content: center;
    gap: var(--rtc-gap, 8px);
    flex-wrap: wrap;
  }
  .controls slot {
    display: contents;
  }
  .precall-button {
    cursor: pointer;
    padding: 8px 0;
  }
  .precall-button:focus-visible {
    outline: 2px solid var(--rtc-accent, #1a73e8);
    outline-offset: 2px;
  }
  .precall rtc-precall-check {
    --rtc-precall-muted-color: var(--rtc-foreground, #e8eaed);
    --rtc-precall-border-color: var(--rtc-surface, #3c4043);
    --rtc-precall-good-color: #81c995;
    --rtc-precall-fair-color: #fdd663;
    --rtc-precall-poor-color: #f28b82;
  }
`;
