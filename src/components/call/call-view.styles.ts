import { css } from 'lit';

/**
 * The styles of `<rtc-call>`'s in-call parts (call-view.ts), added to the element's shadow root
 * after its own (call.styles.ts) when those parts have loaded.
 */
export const styles = css`
  .ended {
    min-height: 0;
    overflow: auto;
  }
  .toggle.sharing {
    background: var(--rtc-accent, #1a73e8);
    color: var(--rtc-accent-foreground, #fff);
  }
  .mode-notice {
    margin: 0 0 6px;
    padding: 4px 10px;
    font-size: 0.8125rem;
    opacity: 0.85;
    border-inline-start: 3px solid var(--rtc-accent, #8ab4f8);
  }
  .knock-banner {
    display: flex;
    align-items: center;
    flex-wrap: wrap;
    gap: var(--rtc-gap, 8px);
    padding: 6px 6px 6px 12px;
    background: var(--rtc-surface, #3c4043);
    border-inline-start: 4px solid var(--rtc-accent, #1a73e8);
    border-radius: calc(var(--rtc-radius, 12px) / 2);
  }
  .knock-banner span {
    flex: 1;
  }
  .people-button {
    position: relative;
  }
  .badge {
    position: absolute;
    inset-block-start: -2px;
    inset-inline-end: -2px;
    min-width: 20px;
    height: 20px;
    padding: 0 5px;
    border-radius: 10px;
    background: var(--rtc-accent, #1a73e8);
    color: var(--rtc-accent-foreground, #fff);
    font-size: 12px;
    line-height: 20px;
    font-weight: 700;
  }
  .people {
    max-height: calc(100% - 44px - var(--rtc-gap, 8px) * 4);
    overflow: auto;
    min-width: min(300px, calc(100% - 2 * var(--rtc-gap, 8px)));
  }
  .people h3 {
    margin: 4px 0 0;
    font-size: 1rem;
    font-weight: 500;
  }
  .people-list {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 6px;
  }
  .people-list li {
    display: flex;
    align-items: center;
    gap: 6px;
  }
  .people-list .who {
    flex: 1;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .chat-log {
    overflow: auto;
    min-height: 0;
    max-height: 40vh;
  }
  .chat-list {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 8px;
  }
  .chat-message .who {
    font-weight: 600;
    margin-inline-end: 6px;
  }
  .chat-message time {
    font-size: 0.8em;
  }
  .chat-message .text {
    margin: 2px 0 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .chat-message .text a {
    color: inherit;
  }
  .chat-message[data-replayed] {
    border-inline-start: 3px solid currentColor;
    padding-inline-start: 6px;
  }
  .chat-history,
  .chat-empty {
    font-size: 0.85em;
    font-style: italic;
  }
  .chat-form {
    display: flex;
    gap: 6px;
  }
  .chat-form input {
    flex: 1;
    min-width: 0;
  }
  .chat-file .file-line {
    display: flex;
    align-items: center;
    gap: 4px;
    white-space: normal;
  }
  .chat-file .file-line svg {
    width: 18px;
    height: 18px;
    flex: none;
  }
  .chat-file .file-name {
    font-weight: 500;
    overflow-wrap: anywhere;
  }
  .chat-file .file-size,
  .chat-file .file-status {
    font-size: 0.85em;
  }
  .file-progress {
    display: flex;
    align-items: center;
    gap: 6px;
  }
  .file-progress progress {
    flex: 1;
    min-width: 0;
    accent-color: var(--rtc-accent, #1a73e8);
  }
  .file-progress button {
    min-height: 32px;
  }
  .file-download {
    color: inherit;
    font-weight: 500;
  }
  .host-message {
    margin: 0;
    max-width: 40ch;
  }
  .grid {
    flex: 1;
    min-height: 0;
    display: grid;
    gap: var(--rtc-gap, 8px);
    grid-template-columns: 1fr;
    grid-auto-rows: minmax(0, 1fr);
  }
  .grid > rtc-video-tile,
  .stage > rtc-video-tile {
    aspect-ratio: auto;
    width: 100%;
    height: 100%;
  }
  .layout {
    flex: 1;
    min-height: 0;
    display: flex;
    gap: var(--rtc-gap, 8px);
    position: relative;
  }
  .stage {
    flex: 1;
    min-width: 0;
    min-height: 0;
    display: flex;
  }
  .filmstrip {
    display: flex;
    flex-direction: column;
    gap: var(--rtc-gap, 8px);
    width: clamp(120px, 22%, 260px);
    min-height: 0;
    overflow: auto;
  }
  .filmstrip:empty {
    display: none;
  }
  .filmstrip > rtc-video-tile {
    flex: none;
    width: 100%;
  }
  @container (max-width: 640px) {
    .layout {
      flex-direction: column;
    }
    .filmstrip {
      flex-direction: row;
      width: auto;
      height: clamp(72px, 22%, 140px);
    }
    .filmstrip > rtc-video-tile {
      height: 100%;
      width: auto;
    }
  }
  /* A 1:1: your own view small in a corner of the stage. */
  .layout.corner .filmstrip {
    position: absolute;
    inset-inline-end: calc(var(--rtc-gap, 8px) * 1.5);
    inset-block-end: calc(var(--rtc-gap, 8px) * 1.5);
    flex-direction: column;
    width: clamp(96px, 24%, 220px);
    height: auto;
    overflow: visible;
    z-index: 1;
  }
  .layout.corner .filmstrip > rtc-video-tile {
    width: 100%;
    height: auto;
    aspect-ratio: 16 / 9;
    box-shadow: 0 2px 12px rgba(0, 0, 0, 0.5);
  }
  .grid[data-count='2'] {
    grid-template-columns: repeat(2, minmax(0, 1fr));
  }
  .grid[data-count='3'],
  .grid[data-count='4'] {
    grid-template-columns: repeat(2, minmax(0, 1fr));
  }
  .grid[data-count='5'],
  .grid[data-count='6'] {
    grid-template-columns: repeat(3, minmax(0, 1fr));
  }
  @container (max-width: 480px) {
    .grid[data-count] {
      grid-template-columns: 1fr;
    }
  }
  .alone {
    display: flex;
    align-items: center;
    justify-content: center;
    flex-wrap: wrap;
    gap: var(--rtc-gap, 8px);
    text-align: center;
  }
  .alone p {
    margin: 0;
    opacity: 0.8;
  }
  .settings,
  .people {
    position: absolute;
    inset: auto var(--rtc-gap, 8px) calc(44px + var(--rtc-gap, 8px) * 3) auto;
    max-width: min(360px, calc(100% - 2 * var(--rtc-gap, 8px)));
    padding: 12px;
    background: var(--rtc-surface, #3c4043);
    border-radius: var(--rtc-radius, 12px);
    box-shadow: 0 4px 24px rgba(0, 0, 0, 0.4);
    display: flex;
    flex-direction: column;
    gap: 8px;
    z-index: 2;
  }
  .ended {
    flex: 1;
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 12px;
    text-align: center;
  }
  .ended h2 {
    margin: 0;
    font-weight: 500;
  }
`;
