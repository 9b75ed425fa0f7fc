/**
 * Adversarial and contextual bandits over a discretized parameter range, as used by Khodak, Chow,
 * Balcan and Talwalkar (2024, "Learning to Relax: Setting Solver Parameters Across a Sequence of
 * Linear System Instances", ICLR) to pick the SOR relaxation ω for each system of a sequence from
 * the iteration counts alone.
 *
 * The setting: instances arrive one at a time; before solving instance t we pick one of K arms
 * (the points of a grid over the parameter's range) and afterwards see only the cost of the arm we
 * picked (bandit feedback), scaled into [0, 1]. No extra evaluation is ever made.
 *
 * Non-contextual algorithms compete with the best fixed arm in hindsight:
 * - **Tsallis-INF** (Zimmert and Seldin 2021, "Tsallis-INF: An Optimal Algorithm for Stochastic and
 *   Adversarial Bandits", JMLR 22(28)), the algorithm of the paper: follow-the-regularized-leader
 *   with the 1/2-Tsallis entropy over cumulative loss estimates L̂. The play distribution is
 *   wᵢ = 4 / (η_t (L̂ᵢ − x))², x the normalizer that makes the weights sum to 1, and
 *   η_t = 2c/√t with c the tuner's `learningRate` (default 2).
 *   Losses are estimated with the paper's reduced-variance estimator: after arm Iₜ is played,
 *   every arm i gets ℓ̂ᵢ = 1[Iₜ = i](ℓₜ − Bᵢ)/wᵢ + Bᵢ with the baseline Bᵢ = ½·1[wᵢ ≥ η_t²]. The
 *   baseline keeps the estimate unbiased while shrinking its variance on arms played often. On an
 *   arm played with probability below η_t² it is off, so a rare play adds ℓₜ/wᵢ ≥ 0: with the
 *   baseline always on it added (ℓₜ − ½)/wᵢ, −1/(2wᵢ) at a cost of 0, and one lucky play of a bad
 *   arm could take the lead for good. The paper pairs this estimator with η_t = 4/√t (c = 2, the
 *   default) and the plain importance-weighted estimator 1[Iₜ = i]ℓₜ/wᵢ with η_t = 2/√t; for the
 *   latter pairing it bounds the expected regret against the best fixed arm by 4√(KT) + 1 on any
 *   (adversarial) sequence, and for the reduced-variance one proves a bound of the same O(√(KT))
 *   order there and one logarithmic in T on stochastic sequences. Other values of c are outside
 *   its theorems.
 * - **Exp3** as Bubeck and Cesa-Bianchi (2012, "Regret Analysis of Stochastic and Nonstochastic
 *   Multi-armed Bandit Problems", Foundations and Trends in Machine Learning 5(1), §3.1) state it:
 *   exponential weights wᵢ ∝ exp(−η_t L̂ᵢ) over importance-weighted loss estimates
 *   (L̂ᵢ += ℓₜ/wᵢ when arm i is played), with no uniform exploration mixed in. The Exp3 of Auer,
 *   Cesa-Bianchi, Freund and Schapire (2002), which this descends from, mixes in a share γ of the
 *   uniform distribution and works with gains; its bounds are not this variant's. Here
 *   η_t = c·√(2 ln K / (K t)) with c the tuner's `learningRate` (default 2). Their Theorem 3.1
 *   bounds the pseudo-regret (the expected cost above the best fixed arm's), for losses in [0, 1],
 *   by 2√(TK ln K) at the anytime rate η_t = √(ln K / (K t)), which is c = 1/√2 here (and by
 *   √(2TK ln K) at the fixed rate √(2 ln K / (KT)) for a horizon T known in advance). Other
 *   values of c are outside the theorem; the inequality its proof rests on,
 *   regret ≤ ln K/η_T + (K/2)·Σ η_t, gives (a + 1/a)·√(TK ln K) at a times the anytime rate
 *   (a = c√2): about 3.2·√(TK ln K) at the default c = 2, the same order.
 * Khodak et al. show that SOR's iteration count is bounded by a surrogate that is Lipschitz in ω
 * away from ω = 2, so the regret of a grid of K points against the best ω of the whole range adds a
 * discretization term that shrinks with K; with K chosen for T, the total regret is sublinear in T,
 * i.e. the average cost per instance approaches that of the best fixed ω.
 *
 * The contextual algorithm competes with the best *policy* mapping an instance's features to a
 * parameter — for SOR with diagonal shifts A + cₜI, the instance-optimal ω(cₜ):
 * - **ChebCB** (Khodak et al. 2024, §4): SquareCB (Foster and Rakhlin 2020, "Beyond UCB: Optimal and
 *   Efficient Contextual Bandits with Regression Oracles") with, per arm, an online ridge
 *   regression of the cost on Chebyshev polynomials of the context. Each round predicts every arm's
 *   cost ŷ, finds the best b, and plays by inverse gap weighting: pₐ = 1 / (K + γ_t (ŷₐ − ŷ_b)) for
 *   a ≠ b, the rest on b, γ_t = γ₀√(K t). SquareCB's regret against the best policy in the class is
 *   O(√(K T · Reg_oracle)); with the smooth dependence of cost on the context that the paper proves
 *   for SOR, a low-degree Chebyshev fit approximates the policy class, so the contextual tuner
 *   approaches the instance-optimal cost as T grows.
 *
 * Everything here is a pure function of a JSON-serializable state and a seeded RNG, so a tuner can
 * be stopped, saved and resumed with the same future choices.
 */
import { cholesky, choleskySolve } from "../math/linalg.js";
import { Rng, deriveSeed } from "../math/rng.js";

/** The algorithms a tuner can run. */
export type BanditAlgorithm = "tsallis-inf" | "exp3" | "chebcb";

export const BANDIT_ALGORITHMS: readonly BanditAlgorithm[] = ["tsallis-inf", "exp3", "chebcb"];

/** A choice waiting for its cost. */
export interface PendingChoice {
  readonly arm: number;
  readonly probability: number;
  /** The context's feature vector (contextual algorithms only). */
  readonly features: number[] | null;
}

/** Everything a bandit remembers; plain JSON so storage can keep it. */
export interface BanditState {
  /** Costs observed so far. */
  rounds: number;
  /**
   * Cumulative loss estimates per arm (Tsallis-INF: reduced-variance, Exp3: importance-weighted).
   * Tsallis-INF's weights depend only on their differences: a state saved while the baseline was
   * ½ on every round and added to the played arm alone lacks ½ a round on every arm, a common
   * shift, so it loads and plays on as it would have.
   */
  losses: number[];
  /** Per arm, the ridge regression's Gram matrix (p×p, row-major) and moment vector (ChebCB). */
  gram: number[][] | null;
  moment: number[][] | null;
  pending: PendingChoice | null;
}

/** Settings that shape a bandit; fixed for its life. */
export interface BanditConfig {
  readonly algorithm: BanditAlgorithm;
  readonly arms: number;
  readonly seed: number;
  /** ChebCB: dimensions of the context. */
  readonly contextDimensions: number;
  /** ChebCB: degree of the Chebyshev polynomials per context dimension. */
  readonly degree: number;
  /** ChebCB: γ₀ of the exploration schedule γ_t = γ₀√(K t). */
  readonly exploration: number;
  /** ChebCB: ridge penalty. */
  readonly ridge: number;
  /**
   * Tsallis-INF and Exp3: a multiplier c of the learning rate η_t. Tsallis-INF: η_t = 2c/√t, the
   * paper's rate for its reduced-variance estimator at c = 2. Exp3: η_t = c·√(2 ln K/(K t)), the
   * anytime rate of Bubeck and Cesa-Bianchi's Theorem 3.1 at c = 1/√2.
   */
  readonly learningRate: number;
}

export function initialState(config: BanditConfig): BanditState {
  const p = featureCount(config);
  const contextual = config.algorithm === "chebcb";
  return {
    rounds: 0,
    losses: new Array<number>(config.arms).fill(0),
    gram: contextual ? Array.from({ length: config.arms }, () => identity(p, config.ridge)) : null,
    moment: contextual ? Array.from({ length: config.arms }, () => new Array<number>(p).fill(0)) : null,
    pending: null,
  };
}

/** Number of regression features: a constant plus `degree` Chebyshev terms per context dimension. */
export function featureCount(config: Pick<BanditConfig, "contextDimensions" | "degree">): number {
  return 1 + config.contextDimensions * config.degree;
}

/**
 * Chebyshev features of a context already scaled to [−1, 1]: 1, then T₁(z)…T_m(z) of every
 * coordinate (T₀ = 1, T₁ = z, T_{k+1} = 2zT_k − T_{k−1}). Coordinates outside are clamped.
 */
export function chebyshevFeatures(scaled: readonly number[], degree: number): number[] {
  const features = [1];
  for (const raw of scaled) {
    const z = Math.max(-1, Math.min(1, raw));
    let previous = 1;
    let current = z;
    for (let k = 1; k <= degree; k++) {
      features.push(current);
      const next = 2 * z * current - previous;
      previous = current;
      current = next;
    }
  }
  return features;
}

/** The play distribution for the next round. */
export function playDistribution(config: BanditConfig, state: BanditState, features: number[] | null): Float64Array {
  const t = state.rounds + 1;
  const rate = config.learningRate;
  if (config.algorithm === "tsallis-inf") return tsallisWeights(state.losses, tsallisLearningRate(config, t));
  if (config.algorithm === "exp3") return exponentialWeights(state.losses, rate * Math.sqrt((2 * Math.log(config.arms)) / (config.arms * t)));
  if (!features) throw new Error("the chebcb algorithm needs a context on every choice");
  return inverseGapWeights(predictCosts(state, features), config.exploration * Math.sqrt(config.arms * t));
}

/** Tsallis-INF's η_t = 2c/√t at round t (counted from 1); c = 2 gives the paper's 4/√t. */
function tsallisLearningRate(config: BanditConfig, t: number): number {
  return (config.learningRate * 2) / Math.sqrt(t);
}

/**
 * Draws this round's arm. The draw's stream depends only on the seed and the round number, so a
 * restored tuner makes the same choice the original would have.
 */
export function drawArm(config: BanditConfig, state: BanditState, features: number[] | null): PendingChoice {
  const probabilities = playDistribution(config, state, features);
  const rng = new Rng(deriveSeed(config.seed, state.rounds, "online"));
  const u = rng.uniform();
  let arm = probabilities.length - 1;
  let cumulative = 0;
  for (let i = 0; i < probabilities.length; i++) {
    cumulative += probabilities[i]!;
    if (u < cumulative) {
      arm = i;
      break;
    }
  }
  return { arm, probability: probabilities[arm]!, features };
}

/** Takes in the pending choice's loss (already scaled into [0, 1]) and returns the new state. */
export function update(config: BanditConfig, state: BanditState, loss: number): BanditState {
  const pending = state.pending;
  if (!pending) throw new Error("observe() without a pending choice: call choose() first");
  const losses = [...state.losses];
  let gram = state.gram;
  let moment = state.moment;
  if (config.algorithm === "tsallis-inf") {
    addReducedVarianceEstimate(config, state, pending, loss, losses);
  } else if (config.algorithm === "exp3") {
    losses[pending.arm] = losses[pending.arm]! + loss / pending.probability;
  } else {
    // The regression oracle sees only the played arm's cost, unweighted, as in SquareCB.
    const x = pending.features!;
    const p = x.length;
    gram = state.gram!.map((g, a) => (a === pending.arm ? g.map((v, k) => v + x[Math.floor(k / p)]! * x[k % p]!) : g));
    moment = state.moment!.map((m, a) => (a === pending.arm ? m.map((v, k) => v + x[k]! * loss) : m));
  }
  return { rounds: state.rounds + 1, losses, gram, moment, pending: null };
}

/**
 * Adds Tsallis-INF's reduced-variance estimate of this round's loss to every arm's cumulative
 * loss: ℓ̂ᵢ = 1[Iₜ = i](ℓₜ − Bᵢ)/wᵢ + Bᵢ, Bᵢ = ½·1[wᵢ ≥ η_t²] (Zimmert and Seldin 2021, the
 * reduced-variance estimator; see the top of this file). The baseline is a per-arm amount, so an
 * arm that was not played still moves by Bᵢ. The weights the draw used are recomputed from the
 * state it was drawn from (same losses, same round), which saving the pending choice leaves as it
 * was. The played arm's division uses the probability stored with the choice: Bᵢ only has to be
 * fixed before the draw for the estimate to stay unbiased, the importance weight has to be the
 * draw's own.
 */
function addReducedVarianceEstimate(config: BanditConfig, state: BanditState, pending: PendingChoice, loss: number, losses: number[]): void {
  const eta = tsallisLearningRate(config, state.rounds + 1);
  const weights = tsallisWeights(state.losses, eta);
  for (let i = 0; i < losses.length; i++) {
    const baseline = weights[i]! >= eta * eta ? 0.5 : 0;
    const played = i === pending.arm ? (loss - baseline) / pending.probability : 0;
    losses[i] = losses[i]! + played + baseline;
  }
}

/** Predicted cost of every arm at a context (ridge regression per arm). */
export function predictCosts(state: BanditState, features: readonly number[]): Float64Array {
  const arms = state.gram!.length;
  const out = new Float64Array(arms);
  for (let a = 0; a < arms; a++) {
    const p = features.length;
    const theta = choleskySolve(cholesky(state.gram![a]!, p), p, state.moment![a]!);
    let y = 0;
    for (let k = 0; k < theta.length; k++) y += theta[k]! * features[k]!;
    out[a] = y;
  }
  return out;
}

/**
 * Tsallis-INF's weights for α = 1/2: wᵢ = 4/(η(L̂ᵢ − x))² with Σwᵢ = 1. Starting from
 * x = min L̂ − 2/η (where the leading weight alone is 1, so the sum is at least 1), Newton's method
 * on the convex decreasing sum moves x down monotonically to the root (Zimmert and Seldin, Alg. 2).
 */
export function tsallisWeights(losses: readonly number[], eta: number): Float64Array {
  const k = losses.length;
  const weights = new Float64Array(k);
  let x = Math.min(...losses) - 2 / eta;
  for (let iteration = 0; iteration < 100; iteration++) {
    let sum = 0;
    let slope = 0;
    for (let i = 0; i < k; i++) {
      const w = 4 / (eta * (losses[i]! - x)) ** 2;
      weights[i] = w;
      sum += w;
      slope += eta * w ** 1.5;
    }
    const step = (sum - 1) / slope;
    x -= step;
    if (Math.abs(sum - 1) < 1e-12) break;
  }
  let total = 0;
  for (let i = 0; i < k; i++) total += weights[i]!;
  for (let i = 0; i < k; i++) weights[i] = weights[i]! / total;
  return weights;
}

/** Exp3's weights: pᵢ ∝ exp(−η L̂ᵢ), computed stably. */
export function exponentialWeights(losses: readonly number[], eta: number): Float64Array {
  const smallest = Math.min(...losses);
  const weights = Float64Array.from(losses, (l) => Math.exp(-eta * (l - smallest)));
  let total = 0;
  for (const w of weights) total += w;
  return weights.map((w) => w / total);
}

/** SquareCB's inverse gap weighting (Abe and Long 1999; Foster and Rakhlin 2020). */
export function inverseGapWeights(predicted: Float64Array, gamma: number): Float64Array {
  const k = predicted.length;
  let best = 0;
  for (let a = 1; a < k; a++) if (predicted[a]! < predicted[best]!) best = a;
  const weights = new Float64Array(k);
  let others = 0;
  for (let a = 0; a < k; a++) {
    if (a === best) continue;
    weights[a] = 1 / (k + gamma * (predicted[a]! - predicted[best]!));
    others += weights[a]!;
  }
  weights[best] = 1 - others;
  return weights;
}

function identity(p: number, scale: number): number[] {
  const out = new Array<number>(p * p).fill(0);
  for (let i = 0; i < p; i++) out[i * p + i] = scale;
  return out;
}
