import type * as tf from '@tensorflow/tfjs';

/**
 * What the trainer needs from any model — a network, its lin/quad Taylor
 * models, or one of Meltzer & Liu's quadratic models. Models own their
 * tf.Variables and must dispose every intermediate (the wasm heap never
 * shrinks), so all tensor-returning methods are meant to be called inside
 * `tf.tidy`.
 */
export interface TrainableModel {
  /** Trainable parameters; θ² = Σ‖v‖² over them. */
  readonly variables: readonly tf.Variable[];
  /** Model output f(x) for a batch of inputs (first axis = examples), shape [n]. */
  predict(x: tf.Tensor): tf.Tensor1D;
  /** λmax of the tangent kernel K = J Jᵀ on x at the current weights (unnormalised). */
  kernelMax(x: tf.Tensor): number;
  /** The full kernel K (n×n) when it is cheap (closed form); used for λ1/λ2 and tests. */
  kernel?(x: tf.Tensor): tf.Tensor2D;
  /**
   * Optional fast exact GD step (e.g. the Gram-matrix update of the two-layer
   * FC); returns the loss *before* the step. When absent the trainer uses
   * reverse-mode gradients of `predict`.
   */
  gdStep?(x: tf.Tensor, y: tf.Tensor1D, eta: number, lossScale: number): number;
  /**
   * How many full-batch GD steps on x one `gdSteps` call chains (1 or
   * absent: none). Why: an engine outside tfjs pays a fixed cost per call
   * (the two-layer FC's onnxruntime engine copies its whole state out of
   * every run), which chained steps pay once.
   */
  gdChain?(x: tf.Tensor): number;
  /**
   * `count` ≤ gdChain(x) GD steps, the same floats as `count` gdStep calls;
   * returns the loss before each step. Only `count` = gdChain(x) is chained.
   */
  gdSteps?(x: tf.Tensor, y: tf.Tensor1D, eta: number, lossScale: number, count: number): Float64Array;
  /**
   * Back to the weights before the last gdSteps of gdChain(x) steps (the
   * trainer stops inside a chain by undoing it and redoing fewer steps).
   */
  gdUndo?(): void;
  /**
   * θ² = ‖w‖² when it cannot be read off `variables` (e.g. the Gram-matrix
   * mode of the two-layer FC, which tracks pre-activations instead of W).
   */
  theta2?(): number;
  /** ‖w − w0‖, for the same reason; the trainer otherwise snapshots `variables` at the start. */
  distance?(): number;
  /** Fraction of inactive hidden units per layer on x (ReLU-like nets only). */
  sparsity?(x: tf.Tensor): number[];
  dispose(): void;
}
