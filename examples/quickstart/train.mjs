// A small real training job for the quickstart: logistic regression trained by mini-batch SGD on
// a synthetic, seeded two-class dataset. It prints its validation log-loss after each epoch as
// `sextant: {"step": k, "value": loss}` (so a pruner can stop a bad run early) and the final
// loss as `sextant: {"value": loss}`. No dependencies; runs in well under a second.
//
//   node train.mjs --lr 0.1 --l2 0.001 --epochs 20 --batch 32

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value)) {
    console.error(`--${name} must be a number, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return value;
}

const lr = flag("lr", 0.1);
const l2 = flag("l2", 1e-3);
const epochs = flag("epochs", 20);
const batch = flag("batch", 32);

// mulberry32: a tiny seeded generator, so every trial sees the same data.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(42);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

// 12 features, of which 4 matter; labels flip with 10% noise.
const DIM = 12;
const trueWeights = Array.from({ length: DIM }, (_, j) => (j < 4 ? [2, -1.5, 1, 0.5][j] : 0));
function sample(n) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: DIM }, gaussian);
    const margin = x.reduce((s, v, j) => s + v * trueWeights[j], 0.3);
    let y = margin > 0 ? 1 : 0;
    if (random() < 0.1) y = 1 - y;
    rows.push({ x, y });
  }
  return rows;
}
const train = sample(800);
const valid = sample(400);

const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const w = new Array(DIM).fill(0);
let bias = 0;

function logLoss(rows) {
  let total = 0;
  for (const { x, y } of rows) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(x.reduce((s, v, j) => s + v * w[j], bias))));
    total -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return total / rows.length;
}

const order = train.map((_, i) => i);
let loss = logLoss(valid);
for (let epoch = 0; epoch < epochs; epoch++) {
  for (let i = order.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [order[i], order[k]] = [order[k], order[i]];
  }
  for (let start = 0; start < order.length; start += batch) {
    const grad = new Array(DIM).fill(0);
    let gradBias = 0;
    const end = Math.min(order.length, start + batch);
    for (let b = start; b < end; b++) {
      const { x, y } = train[order[b]];
      const error = sigmoid(x.reduce((s, v, j) => s + v * w[j], bias)) - y;
      for (let j = 0; j < DIM; j++) grad[j] += error * x[j];
      gradBias += error;
    }
    const size = end - start;
    for (let j = 0; j < DIM; j++) w[j] -= lr * (grad[j] / size + l2 * w[j]);
    bias -= lr * (gradBias / size);
  }
  loss = logLoss(valid);
  // Simulate a heavier model so that pruning has something to save.
  await new Promise((resolve) => setTimeout(resolve, 10));
  console.log(`sextant: ${JSON.stringify({ step: epoch, value: loss })}`);
}
console.log(`sextant: ${JSON.stringify({ value: loss })}`);
