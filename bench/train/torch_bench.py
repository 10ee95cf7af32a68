"""PyTorch side of the training benchmark (bench/train/train-bench.ts).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/train/torch_bench.py MODEL LENGTH BATCH SECONDS

MODEL is decoder-ref or lstm-h64, LENGTH the number of data tokens (BOS is
added), BATCH the training batch, SECONDS the time of the three timed windows
together. Prints one JSON line: training steps/s and inference sequences/s
(256 sequences per forward pass), each as {"wall", "cpu"}, plus the torch
version, the thread count and the BLAS library actually loaded.

    /usr/bin/python3 bench/train/torch_bench.py --probe

prints only the runtime facts (torch version and path, threads, BLAS).

    /usr/bin/python3 bench/train/torch_bench.py --check IN.json

reads parameters (the TF.js flat layout), a batch and targets written by
train-bench.ts, and prints (one JSON line) the loss, the flat gradient and
the losses around three Adam steps on that batch, so the two
implementations can be compared.

The models mirror stages/ml/models exactly: the same parameters under the
same names, shapes ([in, out] weights) and flat order; the same
initialisation distributions; one-hot input times the embedding; pre-LN
blocks with the top block computed only at the last position; the additive
-1e9 causal bias; MSE on the last position's scalar. Training is the train
stage's step: MSE, global-norm clipping, then Adam in the epsilon-hat form of
stages/ml/adam.ts (DEFAULT_ADAM), on one flat parameter vector as in the JS.
One thread: the caller sets OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1 and
this script sets them too (before torch loads) and calls
torch.set_num_threads(1).
"""

import json
import math
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

VOCAB = 3  # tokens 0, 1 and BOS
BOS = 2
LN_EPS = 1e-5
MASKED = -1e9
STD = 0.02
ADAM = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "clip": 1.0}  # stages/ml/adam.ts DEFAULT_ADAM
INFER_ROWS = 256
TARGET_NORM = (0.5, 0.3)  # train-bench.ts trainStep's { mean, std }


# ---------------------------------------------------------------- parameters


class Layout:
    """Named views of one flat parameter vector and one flat gradient vector (stages/ml/params.ts)."""

    def __init__(self, specs):
        self.specs = specs
        self.size = sum(math.prod(shape) for _, shape, _ in specs)
        self.flat = torch.zeros(self.size)
        self.grad = torch.zeros(self.size)
        self.p = {}
        offset = 0
        for name, shape, _ in specs:
            n = math.prod(shape)
            t = self.flat[offset:offset + n].view(shape).detach().requires_grad_()
            t.grad = self.grad[offset:offset + n].view(shape)  # backward accumulates into the flat gradient
            self.p[name] = t
            offset += n

    def initialise(self, gen):
        with torch.no_grad():
            for name, shape, (kind, scale) in self.specs:
                t = self.p[name]
                if kind == "zeros":
                    t.zero_()
                elif kind == "ones":
                    t.fill_(1.0)
                elif kind == "normal":
                    t.normal_(0.0, scale, generator=gen)
                elif kind == "uniform":
                    t.uniform_(-scale, scale, generator=gen)
                else:
                    raise ValueError(kind)


class FlatAdam:
    """stages/ml/adam.ts: global-norm clip, then Adam with the epsilon-hat step size, on flat tensors."""

    def __init__(self, size, o=ADAM):
        self.o = o
        self.m = torch.zeros(size)
        self.v = torch.zeros(size)
        self.t = 0

    @torch.no_grad()
    def apply(self, params, grad):
        o = self.o
        norm = float(torch.linalg.vector_norm(grad))
        if o["clip"] > 0 and norm > o["clip"]:
            grad.mul_(o["clip"] / norm)
        self.t += 1
        step = o["lr"] * math.sqrt(1 - o["beta2"] ** self.t) / (1 - o["beta1"] ** self.t)
        self.m.mul_(o["beta1"]).add_(grad, alpha=1 - o["beta1"])
        self.v.mul_(o["beta2"]).addcmul_(grad, grad, value=1 - o["beta2"])
        params.addcdiv_(self.m, self.v.sqrt().add_(o["eps"]), value=-step)
        return norm


def dense(x, w, b, relu=False):
    y = torch.addmm(b, x, w)  # x @ w + b, w is [in, out] as in the TF.js layout
    return F.relu(y) if relu else y


def layer_norm(x, p, name):
    return F.layer_norm(x, (x.shape[-1],), p[name + ".g"], p[name + ".b"], LN_EPS)


# ---------------------------------------------------------------- decoder (stages/ml/models/decoder.ts, transformer.ts)


class Decoder:
    """Decoder-only, pre-LN, causal, NoPE, ReLU MLP, LayerNorm + scalar head on the last position."""

    def __init__(self, layers=2, d=64, heads=4, dff=256):
        self.layers, self.d, self.heads, self.dff = layers, d, heads, dff
        out_std = STD / math.sqrt(2 * layers)  # GPT-2 scaling of output projections
        ln = lambda n: [(n + ".g", [d], ("ones", 0)), (n + ".b", [d], ("zeros", 0))]  # noqa: E731
        specs = [("embed", [VOCAB, d], ("normal", STD))]
        for i in range(layers):
            pre = f"l{i}"
            specs += ln(pre + ".ln1")
            for n in "qkv":
                specs += [(f"{pre}.w{n}", [d, d], ("normal", STD)), (f"{pre}.b{n}", [d], ("zeros", 0))]
            specs += [(f"{pre}.wo", [d, d], ("normal", out_std)), (f"{pre}.bo", [d], ("zeros", 0))]
            specs += ln(pre + ".ln2")
            specs += [(f"{pre}.w1", [d, dff], ("normal", STD)), (f"{pre}.b1", [dff], ("zeros", 0))]
            specs += [(f"{pre}.w2", [dff, d], ("normal", out_std)), (f"{pre}.b2", [d], ("zeros", 0))]
        specs += ln("lnf")
        specs += [("head.w", [d, 1], ("normal", STD)), ("head.b", [1], ("zeros", 0))]
        self.layout = Layout(specs)
        self.bias = {}

    def causal_bias(self, t):
        if t not in self.bias:
            self.bias[t] = torch.triu(torch.full((t, t), MASKED), diagonal=1)
        return self.bias[t]

    def split(self, x, b, t, keys_first=False):
        dh = self.d // self.heads
        x = x.view(b, t, self.heads, dh)
        return x.permute(0, 2, 3, 1) if keys_first else x.permute(0, 2, 1, 3)  # [B, H, dh, T] or [B, H, T, dh]

    def attend(self, q, kt, v, bias):
        scores = torch.matmul(q, kt) * (1 / math.sqrt(self.d // self.heads)) + bias
        return torch.matmul(torch.softmax(scores, dim=-1), v)

    def mlp(self, p, pre, x):
        h = layer_norm(x, p, pre + ".ln2")
        return x + dense(dense(h, p[pre + ".w1"], p[pre + ".b1"], relu=True), p[pre + ".w2"], p[pre + ".b2"])

    def block(self, p, pre, x, b, t):
        h = layer_norm(x, p, pre + ".ln1")
        q = self.split(dense(h, p[pre + ".wq"], p[pre + ".bq"]), b, t)
        kt = self.split(dense(h, p[pre + ".wk"], p[pre + ".bk"]), b, t, keys_first=True)
        v = self.split(dense(h, p[pre + ".wv"], p[pre + ".bv"]), b, t)
        ctx = self.attend(q, kt, v, self.causal_bias(t)).permute(0, 2, 1, 3).reshape(b * t, self.d)
        return self.mlp(p, pre, x + dense(ctx, p[pre + ".wo"], p[pre + ".bo"]))

    def block_last(self, p, pre, x, b, t):
        """The top block at the last position only (keys and values over all positions), as selfBlockLast."""
        d = self.d
        h = layer_norm(x, p, pre + ".ln1")
        q = dense(h.view(b, t, d)[:, t - 1], p[pre + ".wq"], p[pre + ".bq"]).view(b, self.heads, 1, d // self.heads)
        kt = self.split(dense(h, p[pre + ".wk"], p[pre + ".bk"]), b, t, keys_first=True)
        v = self.split(dense(h, p[pre + ".wv"], p[pre + ".bv"]), b, t)
        ctx = self.attend(q, kt, v, self.causal_bias(t)[t - 1:]).reshape(b, d)
        return self.mlp(p, pre, x.view(b, t, d)[:, t - 1] + dense(ctx, p[pre + ".wo"], p[pre + ".bo"]))

    def forward(self, onehot, b, t):
        p = self.layout.p
        x = torch.mm(onehot, p["embed"])
        for i in range(self.layers - 1):
            x = self.block(p, f"l{i}", x, b, t)
        x = self.block_last(p, f"l{self.layers - 1}", x, b, t)
        return dense(layer_norm(x, p, "lnf"), p["head.w"], p["head.b"]).view(b)


# ---------------------------------------------------------------- LSTM (stages/ml/models/rnn.ts, recurrent.ts)


class Lstm:
    """LSTM (PyTorch gate order i, f, g, o, zero initial state), scalar head on the top layer's last hidden state."""

    def __init__(self, layers=1, hidden=64):
        self.layers, self.h = layers, hidden
        limit = 1 / math.sqrt(hidden)  # PyTorch's own nn.LSTM default, which the TF.js model copies
        specs = []
        for i in range(layers):
            inp = VOCAB if i == 0 else hidden
            specs += [
                (f"r{i}.wx", [inp, 4 * hidden], ("uniform", limit)),
                (f"r{i}.bx", [4 * hidden], ("uniform", limit)),
                (f"r{i}.wh", [hidden, 4 * hidden], ("uniform", limit)),
                (f"r{i}.bh", [4 * hidden], ("uniform", limit)),
            ]
        specs += [("head.w", [hidden, 1], ("uniform", limit)), ("head.b", [1], ("zeros", 0))]
        self.layout = Layout(specs)

    def forward(self, onehot, b, t):
        p = self.layout.p
        x = onehot.view(b, t, VOCAB).transpose(0, 1)  # time-major [T, B, V]
        weights = []
        for i in range(self.layers):
            # torch.lstm is the ATen op behind nn.LSTM; its weights are [4H, in], the transposes of ours.
            weights += [p[f"r{i}.wx"].t(), p[f"r{i}.wh"].t(), p[f"r{i}.bx"], p[f"r{i}.bh"]]
        zeros = torch.zeros(self.layers, b, self.h)
        out, _, _ = torch.lstm(x, (zeros, zeros), weights, True, self.layers, 0.0, torch.is_grad_enabled(), False, False)
        return dense(out[t - 1], p["head.w"], p["head.b"]).view(b)


MODELS = {"decoder-ref": Decoder, "lstm-h64": Lstm}


# ---------------------------------------------------------------- steps and timing


def onehot_of(tokens):
    """[B, T] token ids (BOS included) -> one-hot rows [B*T, VOCAB], as encodeBatch."""
    return F.one_hot(tokens, VOCAB).to(torch.float32).view(-1, VOCAB)


def loss_and_grad(model, tokens, y):
    model.layout.grad.zero_()
    b, t = tokens.shape
    loss = torch.mean((model.forward(onehot_of(tokens), b, t) - y) ** 2)
    loss.backward()
    return float(loss)


def measure(work, seconds):
    """Best rate over three windows after a warm-up, by wall clock and by process CPU time (as train-bench.ts)."""
    for _ in range(3):
        work()
    wall = cpu = 0.0
    for _ in range(3):
        c0, t0 = time.process_time(), time.perf_counter()
        units = 0
        while time.perf_counter() - t0 < seconds / 3 or units == 0:
            units += work()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        wall = max(wall, units / dt)
        cpu = max(cpu, units / dc if dc > 0 else 0.0)
    return {"wall": wall, "cpu": cpu}


def with_bos(tokens):
    return torch.cat([torch.full((tokens.shape[0], 1), BOS, dtype=torch.long), tokens], dim=1)


def bench(name, length, batch, seconds):
    gen = torch.Generator().manual_seed(1)
    model = MODELS[name]()
    model.layout.initialise(gen)
    adam = FlatAdam(model.layout.size)
    # The same synthetic set as train-bench.ts: 1024 sequences of 0/1 tokens, targets uniform in [0, 1).
    tokens = with_bos(torch.randint(0, 2, (1024, length), generator=gen))
    targets = (torch.rand(1024, generator=gen) - TARGET_NORM[0]) / TARGET_NORM[1]

    def train_step():
        idx = torch.randint(0, 1024, (batch,), generator=gen)
        loss_and_grad(model, tokens[idx], targets[idx])
        adam.apply(model.layout.flat, model.layout.grad)
        return 1

    rows = with_bos(torch.randint(0, 2, (INFER_ROWS, length), generator=gen))

    def infer():
        with torch.no_grad():
            model.forward(onehot_of(rows), INFER_ROWS, length + 1).numpy()
        return INFER_ROWS

    train = measure(train_step, seconds)
    inference = measure(infer, seconds)
    return {"model": name, "length": length, "batch": batch, "params": model.layout.size,
            "train": train, "infer": inference, **runtime()}


def check(path_in):
    """Loss, gradient and three Adam steps on a batch given by train-bench.ts, in the TF.js flat layout."""
    with open(path_in) as f:
        spec = json.load(f)
    model = MODELS[spec["model"]]()
    ours = [{"name": n, "shape": s} for n, s, _ in model.layout.specs]
    theirs = [{"name": e["name"], "shape": e["shape"]} for e in spec["layout"]]
    if ours != theirs:
        raise SystemExit(f"layout differs from the TF.js model:\n ours   {ours}\n theirs {theirs}")
    with torch.no_grad():
        model.layout.flat.copy_(torch.tensor(spec["params"], dtype=torch.float32))
    tokens = with_bos(torch.tensor(spec["tokens"], dtype=torch.long))
    y = torch.tensor(spec["targets"], dtype=torch.float32)
    loss = loss_and_grad(model, tokens, y)
    grad = model.layout.grad.tolist()
    adam = FlatAdam(model.layout.size)
    losses = []
    for _ in range(3):
        losses.append(loss_and_grad(model, tokens, y))
        adam.apply(model.layout.flat, model.layout.grad)
    with torch.no_grad():
        b, t = tokens.shape
        losses.append(float(torch.mean((model.forward(onehot_of(tokens), b, t) - y) ** 2)))
    print(json.dumps({"loss": loss, "grad": grad, "adamLosses": losses, **runtime()}))


def runtime():
    """torch version, threads, and the BLAS shared library this process actually mapped (with OpenBLAS's own report)."""
    maps = open("/proc/self/maps").read().splitlines()
    libs = sorted({line.split()[-1] for line in maps if "/" in line and any(
        k in line.rsplit("/", 1)[-1] for k in ("blas", "blis", "mkl_rt", "libmkl", "atlas"))})
    blas = {"libraries": libs}
    try:
        import ctypes
        ob = ctypes.CDLL("libopenblas.so.0", mode=os.RTLD_NOLOAD)  # only if torch already loaded it
        ob.openblas_get_config.restype = ctypes.c_char_p
        ob.openblas_get_corename.restype = ctypes.c_char_p
        blas["openblas"] = ob.openblas_get_config().decode()
        blas["core"] = ob.openblas_get_corename().decode()
        blas["threads"] = ob.openblas_get_num_threads()
    except (OSError, AttributeError):
        pass
    return {"torch": torch.__version__, "torchPath": os.path.dirname(torch.__file__), "threads": torch.get_num_threads(),
            "interopThreads": torch.get_num_interop_threads(), "blas": blas,
            "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE")}


def main(argv):
    if argv == ["--probe"]:
        torch.mm(torch.ones(8, 8), torch.ones(8, 8))
        print(json.dumps(runtime()))
        return
    if len(argv) == 2 and argv[0] == "--check":
        check(argv[1])
        return
    if len(argv) != 4 or argv[0] not in MODELS:
        raise SystemExit(__doc__)
    name, length, batch, seconds = argv[0], int(argv[1]), int(argv[2]), float(argv[3])
    print(json.dumps(bench(name, length, batch, seconds)))


if __name__ == "__main__":
    main(sys.argv[1:])
