/**
 * The protocol between the element and the server — one module imported by both: the join
 * request and answer, room events, the rules for room and display names, and error codes.
 * DOM-free and Node-free.
 */
export * from './errors.js';
export * from './join.js';
export * from './room-events.js';
export * from './rules.js';
export * from './precall.js';
export * from './sfu.js';
