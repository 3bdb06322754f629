// A web-test-runner browser launcher for headless Firefox on puppeteer-core (WebDriver BiDi).
// @web/test-runner-puppeteer would do this but depends on full `puppeteer`, which downloads a
// browser on install; this one drives the system's firefox-esr. One browser process for the run,
// one window per test file (like the Chromium launcher's createPage), the page reused after its
// session ends. `type: 'puppeteer'` plus getPage() let @web/test-runner-commands (sendKeys,
// sendMouse, …) drive the page as they drive Chromium's.
import puppeteer from 'puppeteer-core';
import { firefoxLaunchOptions } from '../../scripts/firefox.mjs';

/** @returns {import('@web/test-runner-core').BrowserLauncher} */
export function firefoxLauncher({ launchOptions = {}, concurrency } = {}) {
  return new FirefoxLauncher(launchOptions, concurrency);
}

class FirefoxLauncher {
  name = 'Firefox';
  type = 'puppeteer';

  /** @type {Promise<import('puppeteer-core').Browser> | undefined} */
  #browser;
  /** sessionId → page */
  #active = new Map();
  /** Pages whose session ended, ready for the next one. */
  #idle = [];

  constructor(launchOptions, concurrency) {
    this.launchOptions = launchOptions;
    if (concurrency !== undefined) this.concurrency = concurrency;
  }

  async initialize() {}

  #getBrowser() {
    this.#browser ??= puppeteer.launch(firefoxLaunchOptions(this.launchOptions)).catch((error) => {
      this.#browser = undefined;
      throw new Error(`could not launch Firefox (${firefoxLaunchOptions().executablePath}): ${error.message}`);
    });
    return this.#browser;
  }

  async startSession(sessionId, url) {
    const browser = await this.#getBrowser();
    const page = this.#idle.pop() ?? (await browser.newPage({ type: 'window' }));
    this.#active.set(sessionId, page);
    await page.setViewport({ width: 800, height: 600 });
    await page.goto(url);
  }

  isActive(sessionId) {
    return this.#active.has(sessionId);
  }

  getBrowserUrl(sessionId) {
    return this.getPage(sessionId).url();
  }

  getPage(sessionId) {
    const page = this.#active.get(sessionId);
    if (!page) throw new Error(`no Firefox page for session ${sessionId}`);
    return page;
  }

  async stopSession(sessionId) {
    const page = this.getPage(sessionId);
    this.#active.delete(sessionId);
    // A blank page stops the test's timers, media and peer connections before the page is reused.
    await page.goto('about:blank').catch(() => {});
    if (!page.isClosed()) this.#idle.push(page);
    return {};
  }

  async startDebugSession() {
    throw new Error('the Firefox launcher has no debug mode: run the file in Chromium with --manual, or headed Firefox by hand');
  }

  async stop() {
    const pending = this.#browser;
    this.#browser = undefined;
    this.#active.clear();
    this.#idle = [];
    if (!pending) return;
    const browser = await pending.catch(() => undefined);
    await browser?.close().catch(() => {});
  }
}
