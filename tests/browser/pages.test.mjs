// Browser tests of the patients' pages: the real `discpath serve --demo` on a fresh SQLite file,
// Debian's Chromium (never a downloaded browser) driven by playwright-core, axe-core for
// accessibility. Run with `node --test tests/browser/` after `cargo build` / `cargo test`.
//
// To test a new page, add one line to PAGES.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  ACCEPT_LANGUAGE, HEIGHT, LANGUAGES, SCREENSHOTS, WIDTHS, axeBlocking, begin, finish, open,
  recordText, request, server, stopServer, tabStops, visibleOutline,
} from './support.mjs';

// Every page reached by a link, by the name its screenshots carry. `status` is what the page
// answers (200 unless said otherwise). The pages reached by posting a form are tested, and
// photographed, by journeys.test.mjs.
const PAGES = [
  { name: 'start', path: '/c/demo/' },
  { name: 'assessment-step-1', path: '/c/demo/assessment' },
  { name: 'consultation', path: '/c/demo/consultation' },
  { name: 'sent', path: '/c/demo/consultation/sent' },
  { name: 'not-found', path: '/c/nope/', status: 404 },
];

before(begin);
after(finish);

for (const spec of PAGES) {
  const status = spec.status ?? 200;
  describe(`${spec.name} (${spec.path})`, () => {
    for (const lang of LANGUAGES) {
      for (const via of ['query', 'header']) {
        for (const width of WIDTHS) {
          const viewport = { width, height: HEIGHT };
          test(`${lang} by ${via === 'query' ? '?lang=' : 'Accept-Language'} at ${width} px`, async (t) => {
            const { url, headers } = request(spec, lang, via);
            const { context, page, response, seen } = await open(url, { viewport, extraHTTPHeaders: headers });
            try {
              assert.equal(response.status(), status, `${url} answers ${status}`);
              assert.match(response.headers()['content-type'] ?? '', /^text\/html/, 'an HTML page');
              assert.equal(await page.getAttribute('html', 'lang'), lang, '<html lang>');

              // Screenshot first, as a patient sees the page on arrival (nothing focused).
              if (via === 'query') {
                await page.screenshot({ path: join(SCREENSHOTS, `${spec.name}-${lang}-${width}.png`), fullPage: true });
                await recordText(page, spec.name);
              }

              assert.equal(await page.locator('script').count(), 0, 'no <script> element');
              const headings = await page.locator('h1').allTextContents();
              assert.equal(headings.length, 1, `one <h1>, found ${JSON.stringify(headings)}`);

              // Nothing wider than the window, with every <details> closed and open.
              const overflow = () => page.evaluate(() => document.documentElement.scrollWidth);
              assert.ok((await overflow()) <= width, `scrollWidth ${await overflow()} > ${width} (details closed)`);
              await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
              assert.ok((await overflow()) <= width, `scrollWidth ${await overflow()} > ${width} (details open)`);
              await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = false; }));

              // Keyboard: from the top, Tab reaches the skip link first, shown on screen; every
              // stop after it has a visible outline too; Enter on the skip link moves to <main>.
              await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
              const stops = await tabStops(page);
              assert.ok(stops.length > 0, 'Tab focuses something');
              assert.ok(stops[0].isSkipLinkToMain, `the first Tab stop is the skip link to <main>, not ${stops[0].html}`);
              assert.ok(stops[0].inViewport, `the focused skip link is on screen: ${JSON.stringify(stops[0].box)}`);
              const unoutlined = stops.filter((s) => !visibleOutline(s));
              assert.deepEqual(unoutlined.map((s) => `${s.html} (outline ${s.outlineStyle} ${s.outlineWidth}px ${s.outlineColor})`), [],
                'every focused element has a visible outline');
              t.diagnostic(`tab stops: ${stops.map((s) => s.tag + (s.href ? `[${s.href}]` : '')).join(' → ')}`);
              await page.evaluate(() => document.activeElement?.blur());
              await page.keyboard.press('Tab');
              await page.keyboard.press('Enter');
              assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'MAIN', 'the skip link moves focus to <main>');

              // Chromium logs a page's own error status (the 404 page) as a console error, and the
              // 404 of its own /favicon.ico request (once per browser, so only in the first test: the
              // pages declare no icon). Neither is the page's doing; a subresource the page asks for
              // and cannot load still fails, here and in the check above.
              const consoleErrors = seen.consoleErrors.filter((m) => {
                const at = /\[(.*)\]$/.exec(m)?.[1];
                const ownStatus = at === url && status !== 200 && m.includes(`status of ${status} `);
                const favicon = at === new URL('/favicon.ico', url).href;
                return !ownStatus && !favicon;
              });
              assert.deepEqual(consoleErrors, [], 'no console errors');
              assert.deepEqual(seen.foreignRequests, [], 'no request to another origin');
              assert.deepEqual(seen.failedRequests, [], 'every subresource loads');

              // The same page with JavaScript off renders the same main heading.
              const noJs = await open(url, { viewport, extraHTTPHeaders: headers, javaScriptEnabled: false });
              try {
                assert.equal(noJs.response.status(), status);
                assert.deepEqual(await noJs.page.locator('h1').allTextContents(), headings, 'the same <h1> without JavaScript');
              } finally {
                await noJs.context.close();
              }
            } finally {
              await context.close();
            }

            // axe-core. The page's Content-Security-Policy forbids every script, axe's too, so this
            // run alone uses a context with bypassCSP: true; every other check above runs under the
            // page's real CSP.
            const axeRun = await open(url, { viewport, extraHTTPHeaders: headers, bypassCSP: true });
            try {
              const blocking = await axeBlocking(axeRun.page, t);
              assert.equal(blocking, '', `axe: serious or critical violations on ${url}:\n${blocking}`);
            } finally {
              await axeRun.context.close();
            }
          });
        }
      }
    }

    test('English and Spanish differ', async () => {
      const titles = {};
      for (const lang of LANGUAGES) {
        const { url, headers } = request(spec, lang, 'query');
        const res = await fetch(url, { headers });
        titles[lang] = /<title>([^<]*)<\/title>/.exec(await res.text())?.[1];
        assert.ok(titles[lang], `${url} has a <title>`);
      }
      assert.notEqual(titles.en, titles.es, 'the Spanish page is translated');
    });
  });
}

test('the server stops on SIGTERM', async () => {
  const { code, signal } = await stopServer();
  assert.equal(code, 0, `exit status after SIGTERM (signal ${signal}):\n${server.output.join('').slice(-2000)}`);
});
