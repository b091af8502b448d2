/**
 * The web page seed 002 had (Jinja2 there): upload or drop an image, see the label, confidence and a bar
 * chart of probabilities, and say 👍/👎. Plain HTML, CSS and one small script — no framework, no build.
 * All URLs are relative, so the page works at `/` of the function and under `/image-classifier/` locally.
 */

export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function pageHtml(opts: {
  labels: readonly string[];
  unknownLabel: string;
  maxBytes: number;
}): string {
  const megabytes = (opts.maxBytes / 2 ** 20).toFixed(0);
  const choices = [...opts.labels, opts.unknownLabel]
    .map(
      (l) => `<button type="button" class="choice" data-label="${escapeHtml(l)}">${escapeHtml(l)}</button>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigil — cat or dog?</title>
<link rel="icon" href="favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<main>
  <h1>Cat or dog?</h1>
  <p class="lead">Upload a photo: a model trained on cats and dogs names it, or says <em>${escapeHtml(opts.unknownLabel)}</em> when it is neither. Images are not kept.</p>

  <form id="upload" action="api/predict" method="post" enctype="multipart/form-data">
    <div id="drop" class="drop" tabindex="0" role="button" aria-describedby="drop-help">
      <img id="preview" alt="" hidden>
      <span id="drop-text">Drop an image here, or press Enter to choose one</span>
    </div>
    <p id="drop-help" class="help">JPEG, PNG, WebP or GIF, up to ${megabytes} MB.</p>
    <label for="file">Image file</label>
    <input id="file" name="file" type="file" accept="image/jpeg,image/png,image/webp,image/gif" required>
    <button id="submit" type="submit">Classify</button>
  </form>

  <section id="result" aria-live="polite" hidden>
    <h2>Result</h2>
    <p class="verdict"><span id="label" class="label"></span> <span id="confidence"></span></p>
    <div id="bars" class="bars" role="list" aria-label="Probabilities"></div>
    <p class="meta">Model <span id="model"></span> · <span id="time"></span> ms</p>
    <div id="feedback" class="feedback">
      <p id="feedback-question">Is this right?</p>
      <button type="button" id="agree" aria-label="Yes, this is right">👍 Yes</button>
      <button type="button" id="disagree" aria-label="No, this is wrong">👎 No</button>
      <div id="correction" hidden>
        <p>What is it?</p>
        ${choices}
      </div>
      <p id="feedback-status" role="status"></p>
    </div>
  </section>

  <p id="error" class="error" role="alert" hidden></p>

  <details>
    <summary>API key</summary>
    <label for="api-key">API key (sent as X-API-Key; kept in this tab only)</label>
    <input id="api-key" type="password" autocomplete="off">
  </details>
  <p class="help"><a href="docs">API documentation</a></p>
</main>
</body>
</html>
`;
}

export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="#2563eb"/><circle cx="11" cy="13" r="2.5" fill="#fff"/><circle cx="21" cy="13" r="2.5" fill="#fff"/><path d="M10 21q6 5 12 0" stroke="#fff" stroke-width="2.5" fill="none" stroke-linecap="round"/></svg>';

export const PAGE_CSS = `
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
main{max-width:40rem;margin:2rem auto;padding:0 1rem}
h1{margin-bottom:.25rem}
.lead,.help,.meta{color:#4b5565}
.drop{border:2px dashed #8a94a6;border-radius:.75rem;min-height:12rem;display:flex;align-items:center;justify-content:center;background:#fff;cursor:pointer;padding:1rem;text-align:center}
.drop:focus,.drop.over{outline:3px solid #2563eb;border-color:#2563eb}
.drop img{max-width:100%;max-height:16rem;border-radius:.5rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
button{font:inherit;padding:.5rem 1rem;margin:.5rem .5rem 0 0;border-radius:.5rem;border:1px solid #8a94a6;background:#fff;cursor:pointer}
button:focus{outline:3px solid #2563eb}
#submit{background:#2563eb;color:#fff;border-color:#2563eb}
.verdict{font-size:1.5rem}
.label{font-weight:700;text-transform:capitalize}
.bars{display:grid;gap:.4rem}
.bar{display:grid;grid-template-columns:6rem 1fr 4rem;align-items:center;gap:.5rem}
.track{background:#e3e7ee;border-radius:.25rem;height:1.1rem;overflow:hidden}
.fill{background:#2563eb;height:100%}
.error{color:#b42318;font-weight:600}
details{margin-top:2rem}
input[type=password]{font:inherit;padding:.4rem;width:100%}
`;

export const PAGE_JS = `
'use strict';
const $ = (id) => document.getElementById(id);
const keyInput = $('api-key');
keyInput.value = sessionStorage.getItem('vigil-api-key') || '';
keyInput.addEventListener('change', () => sessionStorage.setItem('vigil-api-key', keyInput.value));
let current = null;

function headers() {
  const key = keyInput.value.trim();
  return key ? { 'X-API-Key': key } : {};
}
function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}
async function errorMessage(res) {
  try {
    const body = await res.json();
    if (res.status === 401 || res.status === 403) return body.error.message + ' — set an API key below.';
    return body.error ? body.error.message : 'HTTP ' + res.status;
  } catch { return 'HTTP ' + res.status; }
}
function percent(p) { return (p * 100).toFixed(1) + '%'; }

function render(result) {
  current = result;
  $('label').textContent = result.label;
  $('confidence').textContent = result.unknown ? '' : percent(result.confidence);
  const bars = $('bars');
  bars.replaceChildren();
  for (const [label, p] of Object.entries(result.probabilities).sort((a, b) => b[1] - a[1])) {
    const row = document.createElement('div');
    row.className = 'bar';
    row.setAttribute('role', 'listitem');
    row.setAttribute('aria-label', label + ' ' + percent(p));
    const name = document.createElement('span');
    name.textContent = label;
    const track = document.createElement('div');
    track.className = 'track';
    const fill = document.createElement('div');
    fill.className = 'fill';
    fill.style.width = percent(p);
    track.append(fill);
    const value = document.createElement('span');
    value.textContent = percent(p);
    row.append(name, track, value);
    bars.append(row);
  }
  $('model').textContent = result.model_version;
  $('time').textContent = result.inference_time_ms.toFixed(1);
  $('feedback-status').textContent = '';
  $('correction').hidden = true;
  for (const b of document.querySelectorAll('#feedback button')) b.disabled = false;
  $('result').hidden = false;
}

async function classify(file) {
  $('error').hidden = true;
  if (!file) return showError('Choose an image first.');
  const preview = $('preview');
  preview.src = URL.createObjectURL(file);
  preview.alt = 'Preview of ' + file.name;
  preview.hidden = false;
  $('drop-text').hidden = true;
  const form = new FormData();
  form.append('file', file);
  $('submit').disabled = true;
  try {
    const res = await fetch('api/predict', { method: 'POST', body: form, headers: headers() });
    if (!res.ok) return showError(await errorMessage(res));
    render(await res.json());
  } catch (e) {
    showError('The request failed: ' + e.message);
  } finally {
    $('submit').disabled = false;
  }
}

async function sendFeedback(body) {
  for (const b of document.querySelectorAll('#feedback button')) b.disabled = true;
  const res = await fetch('api/feedback', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers() },
    body: JSON.stringify({ prediction_id: current.prediction_id, ...body }),
  });
  $('feedback-status').textContent = res.ok ? 'Thank you — feedback recorded.' : await errorMessage(res);
}

const drop = $('drop');
const input = $('file');
drop.addEventListener('click', () => input.click());
drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); }
});
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer.files[0];
  if (file) classify(file);
});
input.addEventListener('change', () => classify(input.files[0]));
$('upload').addEventListener('submit', (e) => { e.preventDefault(); classify(input.files[0]); });
$('agree').addEventListener('click', () => sendFeedback({ correct: true }));
$('disagree').addEventListener('click', () => {
  $('correction').hidden = false;
  $('correction').querySelector('button').focus();
});
for (const b of document.querySelectorAll('#correction .choice')) {
  b.addEventListener('click', () => sendFeedback({ label: b.dataset.label }));
}
`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
