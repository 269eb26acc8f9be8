// The page of nmt-serve in headless Chromium: load it, type a sentence, wait for the translation,
// check the text against the API's, and that each sentence's heatmap has one cell per (source,
// target) token pair; hover a cell (the tooltip names both tokens); save a screenshot.
//   node page_test.cjs NPM_DIR CHROMIUM URL SCREENSHOT
"use strict";
const path = require("path");
const [npmDir, chromium, url, screenshot] = process.argv.slice(2);
const puppeteer = require(path.join(npmDir, "node_modules", "puppeteer-core"));

const sentences = ["Ein Mann fährt mit dem Fahrrad die Straße entlang.", "Zwei Hunde spielen im Schnee."];

function fail(message) { console.error("FAIL: " + message); process.exitCode = 1; }

(async () => {
  const browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(url, { waitUntil: "networkidle0", timeout: 30000 });
    await page.waitForSelector("#model option", { timeout: 10000 });
    await page.click("#nbest");
    await page.type("#input", sentences.join("\n"));
    await page.waitForFunction(
      (n) => document.querySelectorAll(".heatmap").length === n && document.body.dataset.translated,
      { timeout: 30000 }, sentences.length);
    // What the API says for the same request.
    const api = await page.evaluate(async (lines) => {
      const r = await fetch("/v1/translate", { method: "POST", headers: { "Content-Type": "application/json" },
                                                body: JSON.stringify({ text: lines, beam: 5, n_best: 5, attention: true }) });
      return r.json();
    }, sentences);
    const output = await page.$eval("#output", (e) => e.textContent);
    const expected = api.translations.map((t) => t.text).join("\n");
    if (output !== expected) fail(`page shows ${JSON.stringify(output)}, the API ${JSON.stringify(expected)}`);
    const maps = await page.$$eval(".heatmap", (grids) => grids.map((g) => ({
      cells: g.querySelectorAll(".cell").length,
      columns: g.querySelectorAll(".label.col").length,
      rows: g.querySelectorAll(".label.row").length })));
    api.translations.forEach((t, i) => {
      const want = t.source_tokens.length * t.target_tokens.length;
      if (maps[i].cells !== want) fail(`sentence ${i + 1}: ${maps[i].cells} cells, want ${want}`);
      if (maps[i].columns !== t.source_tokens.length || maps[i].rows !== t.target_tokens.length)
        fail(`sentence ${i + 1}: labels ${maps[i].columns}x${maps[i].rows}`);
      console.log(`sentence ${i + 1}: ${t.source_tokens.length} source x ${t.target_tokens.length} target tokens, ${maps[i].cells} cells`);
    });
    const nbest = await page.$$eval(".nbest li", (items) => items.length);
    if (nbest !== 5 * sentences.length) fail(`${nbest} n-best entries, want ${5 * sentences.length}`);
    // Hover a cell: the tooltip names the two tokens and the weight.
    const cell = await page.$(".heatmap .cell");
    await cell.hover();
    const tip = await page.$eval("#tip", (e) => ({ text: e.textContent, shown: e.style.display }));
    const data = await page.$eval(".heatmap .cell", (e) => ({ ...e.dataset }));
    if (tip.shown !== "block" || tip.text !== `${data.source} → ${data.target}: ${data.weight}`)
      fail(`tooltip ${JSON.stringify(tip)}`);
    if (errors.length) fail("errors in the page: " + errors.join("; "));
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log("translation: " + output.replace(/\n/g, " | "));
    console.log("screenshot: " + screenshot);
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error("FAIL: " + e.stack); process.exit(1); });
