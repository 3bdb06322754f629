import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    box-sizing: border-box;
    color: var(--rtc-precall-foreground, inherit);
    font-family: var(--rtc-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: var(--rtc-precall-font-size, 0.9375rem);
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
    display: flex;
    flex-direction: column;
    gap: var(--rtc-precall-gap, 0.75rem);
  }

  .title {
    margin: 0;
    font-size: 1.125em;
    font-weight: 600;
  }

  .intro,
  .summary {
    margin: 0;
  }

  .summary:empty {
    display: none;
  }

  .progress {
    width: 100%;
  }

  .list {
    display: flex;
    flex-direction: column;
    gap: 0.375rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }

  .item {
    display: grid;
    grid-template-columns: 1.5rem minmax(0, 1fr) auto;
    align-items: baseline;
    column-gap: 0.5rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--rtc-precall-border-color, #dadce0);
    border-radius: var(--rtc-precall-radius, 8px);
  }

  .icon {
    font-weight: 700;
    text-align: center;
    color: var(--rtc-precall-muted-color, #5f6368);
  }

  .item[data-status='good'] .icon {
    color: var(--rtc-precall-good-color, #137333);
  }

  .item[data-status='fair'] .icon {
    color: var(--rtc-precall-fair-color, #8a5a00);
  }

  .item[data-status='poor'] .icon {
    color: var(--rtc-precall-poor-color, #c5221f);
  }

  .label {
    font-weight: 600;
  }

  .figures,
  .remedy {
    grid-column: 2 / -1;
  }

  .figures {
    color: var(--rtc-precall-muted-color, #5f6368);
    font-size: 0.9em;
  }

  .remedy {
    margin: 0.25rem 0 0;
  }

  .preview {
    width: var(--rtc-preview-width, 320px);
    max-width: 100%;
    aspect-ratio: 4 / 3;
    border-radius: var(--rtc-precall-radius, 8px);
    background: var(--rtc-preview-background, #202124);
    object-fit: cover;
    transform: scaleX(-1);
  }

  .prompt {
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    padding: 0.75rem;
    border: 1px solid var(--rtc-precall-border-color, #dadce0);
    border-radius: var(--rtc-precall-radius, 8px);
  }

  .prompt-text {
    margin: 0;
    font-weight: 600;
  }

  .meter {
    width: 100%;
  }

  .answers {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }

  button {
    min-height: 2.5rem;
    padding: 0.5rem 1rem;
    border-radius: 999px;
    font: inherit;
    cursor: pointer;
  }

  .start,
  .yes {
    align-self: flex-start;
    border: 0;
    background: var(--rtc-accent, #1a73e8);
    color: var(--rtc-accent-foreground, #fff);
  }

  .no {
    border: 1px solid var(--rtc-precall-border-color, #dadce0);
    background: transparent;
    color: inherit;
  }

  button:focus-visible {
    outline: 3px solid var(--rtc-focus-color, var(--rtc-accent, #1a73e8));
    outline-offset: 2px;
  }
`;
