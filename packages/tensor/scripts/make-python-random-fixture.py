#!/usr/bin/env python3
"""Write src/random/python-random.fixture.json from CPython's random.Random.

PythonRandom (src/random/python-random.ts) must reproduce CPython 3.11's
random.Random bit for bit. This script records what CPython returns for a
fixed list of calls after several seeds; python-random.test.ts replays the
same calls and compares every value exactly.

Usage (stdlib only, CPython 3.11):
    python3 packages/tensor/scripts/make-python-random-fixture.py

Fixture layout: "cases" is a list of {name, seed, ops}; each op names a
method and its arguments, and "out" holds what CPython returned. The seed
and getrandbits results are decimal strings because they may exceed 2**53.
Floats are written by the json module, i.e. with repr, which round-trips
exactly through JSON.parse.
"""

import json
import math
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / 'src' / 'random' / 'python-random.fixture.json'

# Non-uniform weights with a zero first weight, so bisect must skip index 0.
WEIGHTS_27 = [((i * 37) % 11) / 7 + 0.013 * i for i in range(27)]
INT_WEIGHTS_5 = [3, 0, 1, 7, 2]


def softmax(logits):
    m = max(logits)
    exps = [math.exp(v - m) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


# Shaped like microgpt.py's sampling: probabilities over a 27-token vocabulary.
PROBS_27 = softmax([2.0 * math.sin(1.3 * i) for i in range(27)])


def full_ops():
    """The call sequence run after each main seed, in one continuous stream."""
    ops = [{'op': 'random', 'n': 20}]
    ops += [{'op': 'getrandbits', 'k': k} for k in (0, 1, 5, 31, 32, 33, 53, 64, 100)]
    ops += [
        {'op': 'gauss', 'mu': 0, 'sigma': 1, 'n': 20},
        # An odd count leaves a cached deviate for the next mu/sigma.
        {'op': 'gauss', 'mu': 3.5, 'sigma': 0.25, 'n': 3},
        {'op': 'gauss', 'mu': -1.0, 'sigma': 2.0, 'n': 2},
        {'op': 'gauss', 'mu': 0, 'sigma': 0.08, 'n': 2},
    ]
    # Interleaving random() with gauss() checks when the cached deviate is used.
    ops += [
        {'op': 'random', 'n': 1},
        {'op': 'gauss', 'mu': 0, 'sigma': 1, 'n': 1},
        {'op': 'random', 'n': 1},
        {'op': 'gauss', 'mu': 0, 'sigma': 1, 'n': 1},
        {'op': 'getrandbits', 'k': 7},
        {'op': 'gauss', 'mu': 0.5, 'sigma': 3.0, 'n': 1},
        {'op': 'random', 'n': 2},
        {'op': 'gauss', 'mu': 0, 'sigma': 1, 'n': 1},
        {'op': 'uniform', 'a': -2.5, 'b': 4.0, 'n': 1},
        {'op': 'gauss', 'mu': 0, 'sigma': 1, 'n': 1},
    ]
    ops += [
        {'op': 'shuffle', 'len': 50},
        {'op': 'choices', 'population': 27, 'weights': WEIGHTS_27, 'k': 30},
        {'op': 'choices', 'population': 'abc', 'weights': None, 'k': 10},
        {'op': 'choices', 'population': 5, 'weights': INT_WEIGHTS_5, 'k': 8},
        {'op': 'choices', 'population': 27, 'weights': PROBS_27, 'k': 5},
    ]
    ops += [{'op': 'randbelow', 'arg': n, 'n': 2}
            for n in (1, 2, 3, 1000, 2**31 + 1, 2**32, 2**32 + 1, 2**53 - 1)]
    ops += [
        {'op': 'randrange', 'args': [10], 'n': 3},
        {'op': 'randrange', 'args': [-5, 5], 'n': 3},
        {'op': 'randrange', 'args': [0, 100, 7], 'n': 3},
        {'op': 'randrange', 'args': [100, 0, -3], 'n': 3},
        {'op': 'randrange', 'args': [-10**15, 10**15], 'n': 2},
        {'op': 'randint', 'a': 1, 'b': 6, 'n': 5},
        {'op': 'randint', 'a': -3, 'b': 3, 'n': 3},
        {'op': 'uniform', 'a': -2.5, 'b': 4.0, 'n': 3},
        {'op': 'uniform', 'a': 5, 'b': 1, 'n': 2},
        # Cross several state regenerations (624 words each).
        {'op': 'discard', 'n': 1500},
        {'op': 'random', 'n': 3},
        {'op': 'gauss', 'mu': 0, 'sigma': 1, 'n': 3},
    ]
    return ops


SHORT_OPS = [
    {'op': 'random', 'n': 3},
    {'op': 'getrandbits', 'k': 64},
]

MAIN_SEEDS = [0, 1, 42, 12345, 2**32 + 7, 2**64 + 12345678901234567, -12345]
# Word-boundary seeds and seeds beyond 2**53 exercise the key splitting.
EDGE_SEEDS = [2**32 - 1, 2**32, 2**53 - 1, 2**53 + 1, 2**63, 3**100, -(2**70 + 5)]


def run_op(r, spec):
    op = dict(spec)
    kind = spec['op']
    n = spec.get('n', 1)
    if kind == 'random':
        op['out'] = [r.random() for _ in range(n)]
    elif kind == 'getrandbits':
        op['out'] = str(r.getrandbits(spec['k']))
    elif kind == 'gauss':
        op['out'] = [r.gauss(spec['mu'], spec['sigma']) for _ in range(n)]
    elif kind == 'uniform':
        op['out'] = [r.uniform(spec['a'], spec['b']) for _ in range(n)]
    elif kind == 'randbelow':
        op['out'] = [r._randbelow(spec['arg']) for _ in range(n)]
    elif kind == 'randrange':
        op['out'] = [r.randrange(*spec['args']) for _ in range(n)]
    elif kind == 'randint':
        op['out'] = [r.randint(spec['a'], spec['b']) for _ in range(n)]
    elif kind == 'shuffle':
        x = list(range(spec['len']))
        r.shuffle(x)
        op['out'] = x
    elif kind == 'shuffleSummary':
        x = list(range(spec['len']))
        r.shuffle(x)
        op['out'] = {
            'head': x[:10],
            'tail': x[-10:],
            'weightedSum': sum((i + 1) * v for i, v in enumerate(x)),
        }
    elif kind == 'choices':
        pop = spec['population']
        pop = range(pop) if isinstance(pop, int) else pop
        op['out'] = r.choices(pop, weights=spec['weights'], k=spec['k'])
    elif kind == 'discard':
        for _ in range(n):
            r.getrandbits(32)
    else:
        raise ValueError(kind)
    return op


def run_case(name, seed, ops):
    r = random.Random(seed)
    return {'name': name, 'seed': str(seed), 'ops': [run_op(r, spec) for spec in ops]}


def state_dict(saved):
    """CPython's getstate() tuple in PythonRandomState's shape."""
    version, internal, gauss_next = saved
    return {'version': version, 'words': list(internal[:624]), 'index': internal[624],
            'gaussNext': gauss_next}


def state_case():
    """A mid-stream state with a cached gauss value, and what follows it."""
    before = [
        {'op': 'random', 'n': 5},
        {'op': 'gauss', 'mu': 0, 'sigma': 1, 'n': 1},
        {'op': 'discard', 'n': 3},
    ]
    after = [
        {'op': 'gauss', 'mu': 0, 'sigma': 1, 'n': 3},
        {'op': 'random', 'n': 3},
        {'op': 'getrandbits', 'k': 100},
    ]
    r = random.Random(42)
    fresh = state_dict(r.getstate())
    before_out = [run_op(r, spec) for spec in before]
    saved = r.getstate()
    after_out = [run_op(r, spec) for spec in after]
    r.setstate(saved)
    assert [run_op(r, spec) for spec in after] == after_out, 'setstate round trip failed'
    r2 = random.Random(0)
    r2.setstate(saved)
    assert [run_op(r2, spec) for spec in after] == after_out, 'setstate on a new Random failed'
    return {
        'seed': '42',
        'fresh': {'index': fresh['index'], 'gaussNext': fresh['gaussNext'],
                  'wordsHead': fresh['words'][:8]},
        'before': before_out,
        'state': state_dict(saved),
        'after': after_out,
    }


def build():
    cases = [run_case(f'seed {s}', s, full_ops()) for s in MAIN_SEEDS]
    cases += [run_case(f'edge seed {s}', s, SHORT_OPS) for s in EDGE_SEEDS]
    # microgpt.py: random.seed(42), then weights drawn with random.gauss(0, 0.08).
    cases.append(run_case('microgpt: seed 42 then gauss(0, 0.08)', 42,
                          [{'op': 'gauss', 'mu': 0, 'sigma': 0.08, 'n': 20}]))
    # microgpt.py's real order: shuffle the 32033 names, then init, then sample.
    cases.append(run_case('microgpt: seed 42, shuffle 32033 docs, gauss(0, 0.08), sample', 42, [
        {'op': 'shuffleSummary', 'len': 32033},
        {'op': 'gauss', 'mu': 0, 'sigma': 0.08, 'n': 10},
        {'op': 'choices', 'population': 27, 'weights': PROBS_27, 'k': 1},
        {'op': 'choices', 'population': 27, 'weights': PROBS_27, 'k': 1},
    ]))
    return {
        'generator': f'CPython {sys.version.split()[0]} random.Random',
        'script': 'packages/tensor/scripts/make-python-random-fixture.py',
        'cases': cases,
        'stateRoundTrip': state_case(),
    }


def is_scalar(v):
    return not isinstance(v, (list, dict))


def fmt(v, indent=0):
    """JSON with one op (or one list of scalars) per line, for readable diffs."""
    compact = json.dumps(v, separators=(',', ':'))
    if is_scalar(v) or (isinstance(v, dict) and 'op' in v):
        return compact
    children = list(v.values()) if isinstance(v, dict) else v
    if all(is_scalar(c) for c in children):
        return compact
    pad = ' ' * (indent + 1)
    if isinstance(v, dict):
        items = [f'{pad}{json.dumps(k)}:{fmt(c, indent + 1)}' for k, c in v.items()]
        return '{\n' + ',\n'.join(items) + '\n' + ' ' * indent + '}'
    items = [f'{pad}{fmt(c, indent + 1)}' for c in v]
    return '[\n' + ',\n'.join(items) + '\n' + ' ' * indent + ']'


def main():
    if sys.version_info[:2] != (3, 11):
        sys.exit(f'need CPython 3.11 (the version PythonRandom mirrors), got {sys.version}')
    fixture = build()
    text = fmt(fixture) + '\n'
    assert json.loads(text) == fixture
    OUT.write_text(text)
    print(f'wrote {OUT} ({len(text)} bytes)')


if __name__ == '__main__':
    main()
