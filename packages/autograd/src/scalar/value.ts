// Value: a scalar autograd engine for learning, in the spirit of micrograd and microgpt.py. Each Value is one
// number that remembers which Values it was computed from and how much it moves when each of them moves;
// `backward()` turns those local slopes into ∂output/∂(every Value) with the chain rule.

/** A number or a Value: the other operand of every binary op. */
export type ValueLike = Value | number;

const toValue = (x: ValueLike): Value => (x instanceof Value ? x : new Value(x));

/** One float64 scalar in a computation graph, with its gradient. */
export class Value {
  /** The number this Value holds (the forward result). */
  readonly data: number;
  /** ∂(the Value `backward()` was called on)/∂this; 0 until then. Accumulates: reset it between steps. */
  grad = 0;
  /** The Values this one was computed from (empty for inputs and parameters). */
  readonly children: readonly Value[];
  /** ∂this/∂children[i], evaluated at the forward values: the op's local gradient for each child. */
  readonly localGrads: readonly number[];
  /** The op that made this Value ('' for leaves), for debugging and drawing graphs. */
  readonly op: string;

  /** A leaf (input or parameter) holding `data`; ops pass their children, local gradients and name. */
  constructor(data: number, children: readonly Value[] = [], localGrads: readonly number[] = [], op = '') {
    this.data = data;
    this.children = children;
    this.localGrads = localGrads;
    this.op = op;
  }

  // The primitive ops. Each records, next to its result, the derivative of the result with respect to each
  // input at the current values: that is all the chain rule needs later.

  /** this + other. Local gradients: ∂/∂this = 1, ∂/∂other = 1 (a sum passes its gradient through unchanged). */
  add(other: ValueLike): Value {
    const o = toValue(other);
    return new Value(this.data + o.data, [this, o], [1, 1], '+');
  }

  /** this · other. Local gradients: ∂/∂this = other, ∂/∂other = this (each factor scales the other's effect). */
  mul(other: ValueLike): Value {
    const o = toValue(other);
    return new Value(this.data * o.data, [this, o], [o.data, this.data], '*');
  }

  /** this ** n for a constant n. Local gradient: n · this^(n-1) (the power rule). */
  pow(n: number): Value {
    return new Value(this.data ** n, [this], [n * this.data ** (n - 1)], `**${n}`);
  }

  /** Natural log. Local gradient: 1 / this. */
  log(): Value {
    return new Value(Math.log(this.data), [this], [1 / this.data], 'log');
  }

  /** e ** this. Local gradient: e ** this, the result itself. */
  exp(): Value {
    const e = Math.exp(this.data);
    return new Value(e, [this], [e], 'exp');
  }

  /** max(0, this). Local gradient: 1 where this > 0, else 0 (the gradient at exactly 0 is taken as 0). */
  relu(): Value {
    return new Value(Math.max(0, this.data), [this], [this.data > 0 ? 1 : 0], 'relu');
  }

  // Derived ops, built from the primitives as micrograd does: their gradients come for free from the graph.

  /** -this, as this · -1. */
  neg(): Value {
    return this.mul(-1);
  }

  /** this - other, as this + (-other). */
  sub(other: ValueLike): Value {
    return this.add(toValue(other).neg());
  }

  /** this / other, as this · other^-1. */
  div(other: ValueLike): Value {
    return this.mul(toValue(other).pow(-1));
  }

  /**
   * Backpropagation: sets this.grad = 1 and adds ∂this/∂v into v.grad for every Value v this depends on.
   * Leaves (parameters) accumulate across calls, so zero their `grad` between training steps; intermediate
   * Values are reset first, so calling backward twice on one graph gives leaves exactly twice the gradient.
   */
  backward(): void {
    // Order the graph so every Value comes after all of its children (a topological order), with an explicit
    // stack rather than recursion: a graph 100k ops deep would overflow the JS call stack.
    const order: Value[] = [];
    const seen = new Set<Value>([this]);
    const stack: [Value, number][] = [[this, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [v, next] = top;
      if (next < v.children.length) {
        top[1]++;
        const child = v.children[next]!;
        if (!seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(v); // all of v's children are already in `order`
      }
    }
    for (const v of order) if (v.children.length > 0) v.grad = 0;
    this.grad = 1; // ∂this/∂this
    // Chain rule: ∂out/∂child = Σ over the Values v that use child of ∂out/∂v · ∂v/∂child. Walking the order
    // backwards (outputs first) guarantees v.grad is complete — every use of v further down the graph has
    // already added its share — before v passes it on to its children.
    for (let i = order.length - 1; i >= 0; i--) {
      const v = order[i]!;
      for (let j = 0; j < v.children.length; j++) {
        // `+=`, not `=`: a Value used by several ops (or twice by one, as in x·x) gets one term per use.
        v.children[j]!.grad += v.localGrads[j]! * v.grad;
      }
    }
  }

  /** e.g. `Value(data=2, grad=0.5)`. */
  toString(): string {
    return `Value(data=${this.data}, grad=${this.grad})`;
  }
}
