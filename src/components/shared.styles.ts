import { css } from 'lit';

/** Styles every element shares: `.visually-hidden` (read by screen readers, not shown). */
export const sharedStyles = css`
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;
