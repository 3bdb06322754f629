import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    box-sizing: border-box;
    color: var(--rtc-picker-foreground, inherit);
    font-family: var(--rtc-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: var(--rtc-picker-font-size, 0.9375rem);
  }

  :host([hidden]),
  [hidden] {
    display: none !important;
  }

  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }

  .base {
    position: relative;
    display: flex;
    flex-direction: column;
    gap: var(--rtc-picker-gap, 0.75rem);
  }

  .field {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
    min-width: 0;
  }

  .label {
    font-weight: 600;
  }

  .select {
    width: 100%;
    min-width: 0;
    min-height: 2.5rem;
    padding: 0.375rem 0.5rem;
    border: 1px solid var(--rtc-picker-border-color, #80868b);
    border-radius: var(--rtc-picker-radius, 8px);
    background: var(--rtc-picker-control-background, #fff);
    color: var(--rtc-picker-control-foreground, #202124);
    font: inherit;
  }

  .permission-button {
    align-self: flex-start;
    min-height: 2.5rem;
    padding: 0.5rem 1rem;
    border: 0;
    border-radius: 999px;
    background: var(--rtc-accent, #1a73e8);
    color: var(--rtc-accent-foreground, #fff);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
  }
  .permission-button[aria-disabled='true'] {
    cursor: progress;
    opacity: 0.7;
  }

  .select:focus-visible,
  .permission-button:focus-visible {
    outline: 3px solid var(--rtc-focus-color, var(--rtc-accent, #1a73e8));
    outline-offset: 2px;
  }

  .preview {
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    width: var(--rtc-preview-width, 320px);
    max-width: 100%;
  }

  .preview-video {
    display: block;
    width: 100%;
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: var(--rtc-preview-radius, 8px);
    background: var(--rtc-preview-background, #202124);
    /* A self view is mirrored, as in every calling app; ::part(preview-video) can undo it. */
    transform: scaleX(-1);
  }

  .meter {
    display: block;
    width: 100%;
    height: 0.5rem;
  }

  /* The live region stays rendered (a region that appears together with its text is often not
     announced); while empty it is visually hidden and, being absolute, takes no gap. */
  .notice:empty {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
  }
  .notice {
    margin: 0;
    padding: 0.5rem 0.75rem;
    border-radius: var(--rtc-picker-radius, 8px);
    background: var(--rtc-notice-background, #fef7e0);
    color: var(--rtc-notice-foreground, #3c2a00);
  }
`;
