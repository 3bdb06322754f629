// Types of chrome.mjs, for TypeScript callers (the server tests).
export declare function findChrome(): string | undefined;
export declare const NO_CHROME_MESSAGE: string;
export declare function chromeArgs(options?: { cameras?: number }): string[];
