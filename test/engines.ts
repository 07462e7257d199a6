// The three browser engines users have, behind one interface: open a URL in a fresh headless
// browser, read its version, close it. Pages report their results to the test's own server (see
// browser.test.ts), so no driver needs to evaluate anything in the page, and the suite is the same
// for every engine.
//   Chromium (V8):             Debian's /usr/bin/chromium through playwright-core (CDP)
//   Firefox (SpiderMonkey):    Debian's /usr/bin/firefox-esr through puppeteer-core (WebDriver BiDi)
//   WebKit (JavaScriptCore):   WebKitGTK's MiniBrowser through Debian's WebKitWebDriver (W3C
//                              WebDriver over HTTP, spoken here with fetch), under xvfb-run
// None of them is downloaded: .ci/run installs the Debian packages when they are missing.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { CHROMIUM, launch as launchChromium } from './chromium.js';

export interface Session {
  /** The browser's own version string, e.g. "156.0.8078.114". */
  readonly version: string;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: 'Chromium' | 'Firefox' | 'WebKit';
  /** Its name in the README's "Runs on" table. */
  readonly readme: string;
  /** The JavaScript engine inside. */
  readonly js: 'V8' | 'SpiderMonkey' | 'JavaScriptCore';
  /** The executables it needs; a missing one fails the suite with the Debian package to install. */
  readonly needs: readonly { path: string; apt: string }[];
  /** Starts the browser and navigates a new page to `url`. */
  open(url: string): Promise<Session>;
}

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const chromium: Engine = {
  name: 'Chromium',
  readme: 'Chromium (Debian `chromium`)',
  js: 'V8',
  needs: [{ path: CHROMIUM, apt: 'chromium' }],
  async open(url) {
    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(url);
    return { version: browser.version(), close: () => browser.close() };
  },
};

const firefox: Engine = {
  name: 'Firefox',
  readme: 'Firefox ESR (Debian `firefox-esr`)',
  js: 'SpiderMonkey',
  needs: [{ path: FIREFOX, apt: 'firefox-esr' }],
  async open(url) {
    const { launch } = await import('puppeteer-core');
    const browser = await launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      // No network here: keep Firefox from trying to reach its update and telemetry services.
      extraPrefsFirefox: { 'network.proxy.type': 0, 'app.update.enabled': false, 'browser.safebrowsing.update.enabled': false },
    });
    const page = await browser.newPage();
    await page.goto(url);
    // "firefox/153.8.0" → "153.8.0"
    const version = (await browser.version()).replace(/^[^/]*\//, '');
    return { version, close: () => browser.close() };
  },
};

/** A free localhost port (bound, read, released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Ends a process started with `detached: true` and everything it started (its process group). */
function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, 5000).unref();
  });
}

async function webdriver(base: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { value: Record<string, unknown> };
  if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${res.status} ${JSON.stringify(json.value)}`);
  return json.value;
}

const webkit: Engine = {
  name: 'WebKit',
  readme: "WebKit, Safari's engine (WebKitGTK MiniBrowser)",
  js: 'JavaScriptCore',
  needs: [
    { path: WEBKIT_DRIVER, apt: 'webkit2gtk-driver' },
    { path: MINIBROWSER, apt: 'webkit2gtk-driver' },
    { path: '/usr/bin/xvfb-run', apt: 'xvfb' },
  ],
  async open(url) {
    const port = await freePort();
    // xvfb-run -a: a free X display for MiniBrowser (WebKitGTK has no headless mode of its own).
    const driver = spawn('/usr/bin/xvfb-run', ['-a', WEBKIT_DRIVER, `--port=${port}`], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    driver.stderr?.on('data', (d) => (stderr += d));
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ready = await webdriver(base, 'GET', '/status').then(
          (v) => v.ready === true,
          () => false,
        );
        if (ready) break;
        if (driver.exitCode !== null || Date.now() > deadline) throw new Error(`WebKitWebDriver did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const session = await webdriver(base, 'POST', '/session', {
        capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
      });
      const id = session.sessionId as string;
      const version = String((session.capabilities as Record<string, unknown>).browserVersion);
      await webdriver(base, 'POST', `/session/${id}/url`, { url });
      return {
        version,
        async close() {
          await webdriver(base, 'DELETE', `/session/${id}`).catch(() => {});
          await killGroup(driver);
        },
      };
    } catch (e) {
      await killGroup(driver);
      throw e;
    }
  },
};

export const engines: readonly Engine[] = [chromium, firefox, webkit];

/** Why an engine cannot run here (the Debian package to install), or undefined. */
export function missing(engine: Engine): string | undefined {
  const absent = engine.needs.filter((n) => !existsSync(n.path));
  return absent.length ? `${engine.name} needs ${absent.map((n) => `${n.path} (apt-get install ${n.apt})`).join(', ')}` : undefined;
}
