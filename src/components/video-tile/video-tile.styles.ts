import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    position: relative;
    box-sizing: border-box;
    min-width: 0;
    min-height: 0;
    aspect-ratio: var(--rtc-tile-aspect-ratio, 16 / 9);
    border-radius: var(--rtc-tile-radius, 12px);
    color: var(--rtc-tile-foreground, #fff);
    font-family: var(--rtc-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: var(--rtc-tile-font-size, 0.875rem);
    contain: layout paint;
  }

  :host(:fullscreen) {
    aspect-ratio: auto;
    border-radius: 0;
  }

  [hidden] {
    display: none !important;
  }

  .base {
    position: relative;
    width: 100%;
    height: 100%;
    overflow: hidden;
    border-radius: inherit;
    background: var(--rtc-tile-background, #202124);
  }

  /* Speaking ring: drawn above the video, never shifts the layout. */
  .base::after {
    content: '';
    position: absolute;
    inset: 0;
    border-radius: inherit;
    pointer-events: none;
    box-shadow: inset 0 0 0 3px transparent;
    transition: box-shadow 150ms ease-out;
  }
  :host([speaking]) .base::after {
    box-shadow: inset 0 0 0 3px var(--rtc-speaking-color, #8ab4f8);
  }

  .video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
    background: transparent;
  }
  .video.contain {
    object-fit: contain;
  }
  .video.mirrored {
    transform: scaleX(-1);
  }

  .placeholder {
    position: absolute;
    inset: 0;
    display: flex;
    align-items: center;
    justify-content: center;
    background: var(--rtc-tile-background, #202124);
  }

  .avatar {
    display: flex;
    align-items: center;
    justify-content: center;
    width: var(--rtc-avatar-size, clamp(2.5rem, 28%, 7rem));
    aspect-ratio: 1;
    border-radius: 50%;
    overflow: hidden;
    color: #fff;
    font-size: var(--rtc-avatar-font-size, 1.75rem);
    font-weight: 600;
    line-height: 1;
    user-select: none;
  }
  .avatar svg {
    width: 55%;
    height: 55%;
  }
  /* Twelve avatar colours, picked from the display name; all pass 4.5:1 against white text. */
  .c0 { background: #b3261e; }
  .c1 { background: #a0325a; }
  .c2 { background: #7b3f9e; }
  .c3 { background: #5a4fb0; }
  .c4 { background: #2f5fb3; }
  .c5 { background: #1f6f8b; }
  .c6 { background: #1c7060; }
  .c7 { background: #2e7030; }
  .c8 { background: #5f6b1d; }
  .c9 { background: #8a5a00; }
  .c10 { background: #9c4a10; }
  .c11 { background: #5f6368; }

  .status {
    position: absolute;
    inset: 0;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    align-items: center;
    justify-content: center;
    background: var(--rtc-tile-status-background, rgba(0, 0, 0, 0.72));
    text-align: center;
    padding: 0.5rem;
  }
  .spinner {
    width: 1.5rem;
    height: 1.5rem;
    border-radius: 50%;
    border: 3px solid rgba(255, 255, 255, 0.3);
    border-top-color: #fff;
    animation: spin 1s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }

  .bar {
    position: absolute;
    inset-inline: 0.5rem;
    display: flex;
    gap: 0.375rem;
    align-items: center;
    pointer-events: none;
  }
  .bar > * {
    pointer-events: auto;
  }
  .top {
    top: 0.5rem;
  }
  .bottom {
    bottom: 0.5rem;
  }
  .spacer {
    flex: 1;
  }
  .quality {
    display: inline-flex;
    align-items: center;
    padding: 0.25rem;
    background: var(--rtc-tile-label-background, rgba(0, 0, 0, 0.6));
    border-radius: 0.375rem;
  }
  .quality svg {
    width: 1rem;
    height: 1rem;
  }
  .quality rect.off {
    fill: var(--rtc-quality-off-color, rgba(255, 255, 255, 0.35));
  }
  .quality rect.on {
    fill: var(--rtc-quality-good-color, #81c995);
  }
  .quality[data-level='poor'] rect.on {
    fill: var(--rtc-quality-poor-color, #fdd663);
  }
  .quality[data-level='lost'] rect.on {
    fill: var(--rtc-quality-lost-color, #f28b82);
  }
  .quality-reason {
    background: var(--rtc-tile-label-background, rgba(0, 0, 0, 0.6));
    border-radius: 0.375rem;
    padding: 0.125rem 0.5rem;
    line-height: 1.5;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .name,
  .mic {
    background: var(--rtc-tile-label-background, rgba(0, 0, 0, 0.6));
    border-radius: 0.375rem;
    padding: 0.125rem 0.5rem;
    line-height: 1.5;
  }
  .name {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .mic {
    display: inline-flex;
    align-items: center;
    padding: 0.25rem;
    color: var(--rtc-mic-off-color, #fff);
    background: var(--rtc-mic-off-background, #b3261e);
    border-radius: 50%;
  }
  .mic svg {
    width: 1rem;
    height: 1rem;
  }

  .actions {
    display: flex;
    gap: 0.375rem;
    opacity: 0;
    transition: opacity 150ms ease-out;
  }
  :host(:hover) .actions,
  .actions:focus-within,
  :host(:fullscreen) .actions {
    opacity: 1;
  }
  @media (hover: none) {
    .actions {
      opacity: 1;
    }
  }

  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
    border: none;
    margin: 0;
  }
  .icon-button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    width: 2rem;
    height: 2rem;
    padding: 0;
    border-radius: 50%;
    background: var(--rtc-tile-label-background, rgba(0, 0, 0, 0.6));
  }
  .icon-button:hover {
    background: rgba(0, 0, 0, 0.8);
  }
  .icon-button[aria-pressed='true'] {
    background: var(--rtc-accent, #1a73e8);
  }
  .icon-button svg {
    width: 1.125rem;
    height: 1.125rem;
  }

  .unmute {
    position: absolute;
    left: 50%;
    top: 50%;
    transform: translate(-50%, -50%);
    display: inline-flex;
    gap: 0.5rem;
    align-items: center;
    padding: 0.625rem 1rem;
    border-radius: 999px;
    background: var(--rtc-accent, #1a73e8);
    color: var(--rtc-accent-foreground, #fff);
    font-weight: 600;
    white-space: nowrap;
    box-shadow: 0 2px 8px rgba(0, 0, 0, 0.4);
  }
  .unmute svg {
    width: 1.25rem;
    height: 1.25rem;
  }

  button:focus-visible {
    outline: 3px solid var(--rtc-focus-color, #fff);
    outline-offset: 2px;
    box-shadow: 0 0 0 5px var(--rtc-focus-ring-contrast, #000);
  }


  @media (prefers-reduced-motion: reduce) {
    .base::after,
    .actions {
      transition: none;
    }
    .spinner {
      animation: none;
    }
  }

  @media (forced-colors: active) {
    :host([speaking]) .base::after {
      box-shadow: none;
      outline: 3px solid Highlight;
      outline-offset: -3px;
    }
  }
`;
