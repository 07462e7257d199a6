// The xentropy demo: every number shown is computed by the library (entropy, crossEntropy,
// klDivergence, jsDivergence, binaryCrossEntropy) on the current p and q, and carries its full
// value in a data-value attribute (test/demo.test.ts compares them with the library's own); the
// calibration panel draws reliabilityBins of a built-in example, before and after fitTemperature.
import {
  backend,
  binaryCrossEntropy,
  calibrationError,
  crossEntropy,
  entropy,
  fitTemperature,
  jsDivergence,
  klDivergence,
  reliabilityBins,
} from 'xentropy';

const K = 5;
const PRESETS = {
  default: [
    [40, 25, 15, 12, 8],
    [20, 20, 20, 20, 20],
  ],
  same: [
    [30, 10, 25, 20, 15],
    [30, 10, 25, 20, 15],
  ],
  peaked: [
    [80, 5, 5, 5, 5],
    [20, 20, 20, 20, 20],
  ],
  swap: [
    [50, 25, 12, 8, 5],
    [5, 8, 12, 25, 50],
  ],
  'near-zero': [
    [20, 20, 20, 20, 20],
    [30, 30, 30, 9, 1],
  ],
};
const $ = (s) => document.querySelector(s);
const state = { w: { p: [...PRESETS.default[0]], q: [...PRESETS.default[1]] }, units: 'nats' };
const norm = (w) => {
  const s = w.reduce((a, b) => a + b, 0);
  return Float64Array.from(w, (v) => v / s);
};

function sliders(name) {
  const box = $(`#${name}-sliders`);
  box.innerHTML = '';
  state.w[name].forEach((v, i) => {
    const label = document.createElement('label');
    label.innerHTML = `${i + 1} <input type="range" min="0" max="100" step="1" data-dist="${name}" data-i="${i}" value="${v}"> <output></output>`;
    box.append(label);
  });
}

function show(key, value, digits = 4) {
  for (const el of document.querySelectorAll(`[data-m="${key}"]`)) {
    el.dataset.value = String(value);
    el.textContent = Number.isFinite(value) ? value.toFixed(digits) + (key === 'bce' ? '' : ` ${state.units}`) : '∞';
  }
}

function bars(p, q) {
  const svg = $('#bars');
  const w = 300 / K;
  let s = '';
  for (let i = 0; i < K; i++) {
    s += `<rect x="${i * w + 4}" y="${150 - p[i] * 140}" width="${w / 2 - 4}" height="${p[i] * 140}" fill="#1f77b4"/>`;
    s += `<rect x="${i * w + w / 2}" y="${150 - q[i] * 140}" width="${w / 2 - 4}" height="${q[i] * 140}" fill="#d62728"/>`;
    s += `<text x="${i * w + w / 2}" y="159" font-size="9" text-anchor="middle">${i + 1}</text>`;
  }
  svg.innerHTML = s;
}

function stack(m) {
  const max = Math.max(m.Hpq, m.Hqp, 1e-9);
  const finite = Number.isFinite(max);
  const scale = (v) => (finite ? (v / max) * 370 : 0);
  const row = (y, label, h, kl, klLabel) =>
    `<text x="0" y="${y + 15}" font-size="12">${label}</text>` +
    `<rect x="110" y="${y}" width="${scale(h)}" height="22" fill="#9ecae1"/>` +
    `<rect x="${110 + scale(h)}" y="${y}" width="${Number.isFinite(kl) ? scale(kl) : 0}" height="22" fill="#fdae6b"/>` +
    `<text x="${114}" y="${y + 15}" font-size="11">${h.toFixed(3)}</text>` +
    `<text x="${Math.min(114 + scale(h), 560)}" y="${y + 15}" font-size="11">+ ${Number.isFinite(kl) ? kl.toFixed(3) : '∞'} ${klLabel}</text>`;
  $('#stack').innerHTML =
    row(4, 'H(p,q) = H(p) +', m.Hp, m.KLpq, 'KL(p‖q)') +
    row(40, 'H(q,p) = H(q) +', m.Hq, m.KLqp, 'KL(q‖p)') +
    `<rect x="110" y="72" width="10" height="8" fill="#9ecae1"/><text x="124" y="80" font-size="10">entropy</text>` +
    `<rect x="180" y="72" width="10" height="8" fill="#fdae6b"/><text x="194" y="80" font-size="10">divergence</text>`;
  const eq = m.KLpq === m.KLqp;
  $('#asym').textContent = eq
    ? 'KL(p‖q) = KL(q‖p) here: p and q are the same.'
    : `KL is not symmetric: KL(p‖q) = ${m.KLpq.toFixed(4)} but KL(q‖p) = ${m.KLqp.toFixed(4)}. JS is symmetric and bounded by ln 2.`;
}

function logistic() {
  const yhat = Number($('#yhat').value);
  const y = Number($('#y').value);
  const grid = Float64Array.from({ length: 197 }, (_, i) => 0.01 + i * 0.005);
  const W = 600,
    H = 260,
    x0 = 40,
    y0 = 230,
    top = 5;
  const curve = (label) => binaryCrossEntropy(grid, new Float64Array(grid.length).fill(label), { reduction: 'none' });
  const c1 = curve(1),
    c0 = curve(0);
  const px = (v) => x0 + v * (W - x0 - 10);
  const py = (v) => y0 - (v / top) * (y0 - 10);
  const path = (c) => 'M' + Array.from(c, (v, i) => `${px(grid[i]).toFixed(1)},${py(Math.min(v, top)).toFixed(1)}`).join('L');
  const loss = binaryCrossEntropy([yhat], [y]);
  show('bce', loss);
  let s = `<line x1="${x0}" y1="${y0}" x2="${W - 10}" y2="${y0}" stroke="#999"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="10" stroke="#999"/>`;
  for (let t = 0; t <= 1; t += 0.25) s += `<text x="${px(t)}" y="${y0 + 14}" font-size="10" text-anchor="middle">${t}</text>`;
  for (let t = 0; t <= top; t++) s += `<text x="${x0 - 6}" y="${py(t) + 3}" font-size="10" text-anchor="end">${t}</text>`;
  s += `<path d="${path(c1)}" fill="none" stroke="#2ca02c" stroke-width="2"/><text x="${px(0.05)}" y="${py(2.9)}" font-size="11" fill="#2ca02c">y = 1: −log ŷ</text>`;
  s += `<path d="${path(c0)}" fill="none" stroke="#9467bd" stroke-width="2"/><text x="${px(0.7)}" y="${py(2.9)}" font-size="11" fill="#9467bd">y = 0: −log(1−ŷ)</text>`;
  s += `<circle cx="${px(yhat)}" cy="${py(Math.min(loss, top))}" r="5" fill="#d62728"/>`;
  s += `<text x="${(W + x0) / 2}" y="${H - 4}" font-size="11" text-anchor="middle">ŷ (predicted probability of y = 1)</text>`;
  $('#curve').innerHTML = s;
}

// ---- calibration: a built-in overconfident classifier -------------------------------------------

const CAL = (() => {
  let seed = 7;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const rows = 600;
  const classes = 4;
  const logits = new Float64Array(rows * classes);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    // the true probabilities are softmax(z); the model says softmax(2.5·z)
    const z = Array.from({ length: classes }, () => 3 * (rand() - 0.5));
    const e = z.map(Math.exp);
    let u = rand() * e.reduce((a, b) => a + b);
    let label = classes - 1;
    for (let c = 0; c < classes; c++) {
      u -= e[c];
      if (u <= 0) {
        label = c;
        break;
      }
    }
    labels[r] = label;
    for (let c = 0; c < classes; c++) logits[r * classes + c] = 2.5 * z[c];
  }
  return { rows, classes, logits, labels, temperature: fitTemperature(logits, labels, { classes }).temperature };
})();
document.body.dataset.calibration = JSON.stringify({
  classes: CAL.classes,
  logits: Array.from(CAL.logits),
  labels: Array.from(CAL.labels),
});

function reliability() {
  const scaled = $('#scaled').checked;
  const logits = scaled ? CAL.logits.map((v) => v / CAL.temperature) : CAL.logits;
  const options = { classes: CAL.classes, fromLogits: true, bins: 10 };
  const ece = calibrationError(logits, CAL.labels, options);
  const { edges, count, confidence, accuracy } = reliabilityBins(logits, CAL.labels, options);
  $('#ece').textContent = ece.toFixed(4);
  $('#ece').dataset.value = String(ece);
  $('#temperature').textContent = CAL.temperature.toFixed(3);
  $('#temperature').dataset.value = String(CAL.temperature);
  const x0 = 50,
    y0 = 260,
    w = 520,
    h = 240;
  const px = (v) => x0 + v * w;
  const py = (v) => y0 - v * h;
  let s = `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(0)}" stroke="#999"/><line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(1)}" stroke="#999"/>`;
  s += `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#999" stroke-dasharray="4 3"/>`;
  for (let i = 0; i < edges.length - 1; i++) {
    if (count[i] === 0) continue;
    const a = px(edges[i]) + 2;
    const bw = px(edges[i + 1]) - px(edges[i]) - 4;
    s += `<rect class="bin" data-count="${count[i]}" x="${a}" y="${py(accuracy[i])}" width="${bw}" height="${accuracy[i] * h}" fill="#1f77b4" opacity="0.8"/>`;
    // the gap to the bin's mean confidence
    s += `<line x1="${a}" y1="${py(confidence[i])}" x2="${a + bw}" y2="${py(confidence[i])}" stroke="#d62728" stroke-width="2"/>`;
    s += `<text x="${a + bw / 2}" y="${y0 + 26}" font-size="9" text-anchor="middle" fill="#555">${count[i]}</text>`;
  }
  for (let t = 0; t <= 1.0001; t += 0.2) {
    s += `<text x="${px(t)}" y="${y0 + 14}" font-size="10" text-anchor="middle">${t.toFixed(1)}</text>`;
    s += `<text x="${x0 - 6}" y="${py(t) + 3}" font-size="10" text-anchor="end">${t.toFixed(1)}</text>`;
  }
  s += `<text x="${px(0.5)}" y="${y0 + 38}" font-size="11" text-anchor="middle">confidence (top-label probability); bars: accuracy, red: mean confidence, numbers: predictions per bin</text>`;
  $('#reliability').innerHTML = s;
}

function update() {
  const p = norm(state.w.p);
  const q = norm(state.w.q);
  for (const input of document.querySelectorAll('.sliders input')) {
    const d = input.dataset.dist === 'p' ? p : q;
    input.nextElementSibling.textContent = d[Number(input.dataset.i)].toFixed(3);
  }
  document.body.dataset.p = JSON.stringify(Array.from(p));
  document.body.dataset.q = JSON.stringify(Array.from(q));
  const base = state.units === 'bits' ? 2 : undefined;
  const m = {
    Hp: entropy(p, { base }),
    Hq: entropy(q, { base }),
    Hpq: crossEntropy(p, q, { base }),
    Hqp: crossEntropy(q, p, { base }),
    KLpq: klDivergence(p, q, { base }),
    KLqp: klDivergence(q, p, { base }),
    JS: jsDivergence(p, q, { base }),
  };
  for (const [k, v] of Object.entries(m)) show(k, v);
  bars(p, q);
  stack(m);
}

$('#backend').textContent = backend === 'wasm' ? 'WebAssembly (SIMD)' : 'TypeScript (no WebAssembly here)';
$('#backend').dataset.value = backend;
sliders('p');
sliders('q');
document.addEventListener('input', (e) => {
  const t = e.target;
  if (t.dataset.dist) {
    // The slider sets that outcome's weight; the distribution is its weights normalised.
    const w = state.w[t.dataset.dist];
    w[Number(t.dataset.i)] = Number(t.value);
    if (w.every((v) => v === 0)) w[Number(t.dataset.i)] = 1; // keep a distribution
    update();
  } else if (t.id === 'yhat') logistic();
});
$('#units').addEventListener('change', (e) => {
  state.units = e.target.value;
  update();
});
$('#y').addEventListener('change', logistic);
$('#scaled').addEventListener('change', reliability);
$('#preset').addEventListener('change', (e) => {
  const [p, q] = PRESETS[e.target.value];
  state.w.p = [...p];
  state.w.q = [...q];
  sliders('p');
  sliders('q');
  update();
});
update();
logistic();
reliability();
document.body.dataset.ready = 'true';
