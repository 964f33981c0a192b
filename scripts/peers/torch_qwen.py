#!/usr/bin/env python3
"""PyTorch-eager reference for scripts/bench-generate.sh and scripts/bench-train.sh.

Loads the same HF checkpoint folder the project writes (config.json + *.safetensors, read here without the
safetensors package) into a plain eager Qwen3/Qwen2 written the way one writes it by hand in PyTorch: a
preallocated KV cache written in place, grouped-query attention without copying kv heads (the g query heads of a kv
head are stacked along the query axis), RoPE from a precomputed table, greedy decode with argmax on the tensor.

  torch_qwen.py generate MODEL_DIR [--batch B] [--prompt P] [--new N] [--threads T] [--seed S] [--repeat R]
  torch_qwen.py train    MODEL_DIR [--batch B] [--seq T] [--threads T] [--iters I] [--warmup W]
  both take --device cpu|cuda and --dtype fp32|fp16|bf16 (default cpu, fp32); on CUDA every timer waits for the GPU.

Prints one JSON line with the same keys as the project's benchmark. Exits 3 with a message when torch is missing.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("torch_qwen: PyTorch is not installed (apt-get install python3-torch); skipping", file=sys.stderr)
    sys.exit(3)

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
DTYPE_ARGS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = t.to(torch.float32)
    return out


def load(dir_):
    cfg = json.load(open(os.path.join(dir_, "config.json")))
    params = {}
    for f in sorted(os.listdir(dir_)):
        if f.endswith(".safetensors"):
            params.update(load_safetensors(os.path.join(dir_, f)))
    return cfg, params


class Qwen(torch.nn.Module):
    def __init__(self, cfg, params):
        super().__init__()
        self.c = cfg
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg["num_key_value_heads"]
        self.hd = cfg.get("head_dim") or cfg["hidden_size"] // self.nh
        self.eps = cfg["rms_norm_eps"]
        self.qk_norm = "model.layers.0.self_attn.q_norm.weight" in params
        self.p = torch.nn.ParameterDict({k.replace(".", "__"): torch.nn.Parameter(v) for k, v in params.items()})
        self.L = cfg["num_hidden_layers"]
        tied = "lm_head.weight" not in params
        self.lm_head = self.w("model.embed_tokens.weight") if tied else self.w("lm_head.weight")
        inv = 1.0 / (cfg.get("rope_theta", 1e6) ** (torch.arange(0, self.hd, 2, dtype=torch.float64) / self.hd))
        self.inv_freq = inv

    def w(self, name):
        return self.p[name.replace(".", "__")]

    def b(self, name):
        k = name.replace(".", "__")
        return self.p[k] if k in self.p else None

    def rope_table(self, n):
        t = torch.arange(n, dtype=torch.float64)[:, None] * self.inv_freq[None]
        t = torch.cat([t, t], -1)
        return t.cos().float(), t.sin().float()

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    @staticmethod
    def rot(x):
        h = x.shape[-1] // 2
        return torch.cat([-x[..., h:], x[..., :h]], -1)

    def forward(self, ids, pos, mask, cache=None, past=0, cos_t=None, sin_t=None):
        """ids/pos [B, S]; mask additive [B, 1, S, T]; cache: list of (k, v) [B, nkv, cap, hd] written in place."""
        B, S = ids.shape
        T = past + S
        g = self.nh // self.nkv
        h = F.embedding(ids, self.w("model.embed_tokens.weight"))
        cos = cos_t[pos][:, :, None]
        sin = sin_t[pos][:, :, None]
        scale = 1.0 / math.sqrt(self.hd)
        for l in range(self.L):
            p = "model.layers.%d." % l
            x = self.rms(h, self.w(p + "input_layernorm.weight"))
            q = F.linear(x, self.w(p + "self_attn.q_proj.weight"), self.b(p + "self_attn.q_proj.bias")).view(B, S, self.nh, self.hd)
            k = F.linear(x, self.w(p + "self_attn.k_proj.weight"), self.b(p + "self_attn.k_proj.bias")).view(B, S, self.nkv, self.hd)
            v = F.linear(x, self.w(p + "self_attn.v_proj.weight"), self.b(p + "self_attn.v_proj.bias")).view(B, S, self.nkv, self.hd)
            if self.qk_norm:
                q = self.rms(q, self.w(p + "self_attn.q_norm.weight"))
                k = self.rms(k, self.w(p + "self_attn.k_norm.weight"))
            q = (q * cos + self.rot(q) * sin).transpose(1, 2)
            k = (k * cos + self.rot(k) * sin).transpose(1, 2)
            v = v.transpose(1, 2)
            if cache is not None:
                kc, vc = cache[l]
                kc[:, :, past:T] = k
                vc[:, :, past:T] = v
                k, v = kc[:, :, :T], vc[:, :, :T]
            scores = torch.matmul(q.reshape(B, self.nkv, g * S, self.hd), k.transpose(-1, -2)) * scale
            probs = torch.softmax(scores.view(B, self.nh, S, T) + mask, -1)
            ctx = torch.matmul(probs.view(B, self.nkv, g * S, T), v).view(B, self.nh, S, self.hd)
            ctx = ctx.transpose(1, 2).reshape(B, S, self.nh * self.hd)
            h = h + F.linear(ctx, self.w(p + "self_attn.o_proj.weight"), self.b(p + "self_attn.o_proj.bias"))
            x = self.rms(h, self.w(p + "post_attention_layernorm.weight"))
            x = F.silu(F.linear(x, self.w(p + "mlp.gate_proj.weight"))) * F.linear(x, self.w(p + "mlp.up_proj.weight"))
            h = h + F.linear(x, self.w(p + "mlp.down_proj.weight"))
        return self.rms(h, self.w("model.norm.weight"))

    def logits(self, h):
        return F.linear(h, self.lm_head)


def causal(B, S, past, keymask, dtype=torch.float32):
    """Additive mask [B, 1, S, past + S] from a [B, past + S] 0/1 key mask."""
    T = past + S
    dev = keymask.device
    allowed = torch.arange(T, device=dev)[None, :] <= torch.arange(past, T, device=dev)[:, None]
    allowed = allowed[None] & keymask[:, None, :].bool()
    return ((~allowed).to(dtype) * torch.finfo(dtype).min)[:, None]


def now(dev):
    """perf_counter once the device has finished what was queued (CUDA runs asynchronously)."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return time.perf_counter()


def generate(args):
    cfg, params = load(args.model)
    dev, dt = torch.device(args.device), DTYPE_ARGS[args.dtype]
    m = Qwen(cfg, params).eval().to(dev, dt)
    V = cfg["vocab_size"]
    B, P, N = args.batch, args.prompt, args.new
    cap = P + N
    cos_t, sin_t = (t.to(dev, dt) for t in m.rope_table(cap))
    g = torch.Generator().manual_seed(args.seed)

    def run(n_new, seed):
        ids = torch.randint(0, V, (B, P), generator=torch.Generator().manual_seed(seed)).to(dev)
        cache = [(torch.zeros(B, m.nkv, cap, m.hd, device=dev, dtype=dt),
                  torch.zeros(B, m.nkv, cap, m.hd, device=dev, dtype=dt)) for _ in range(m.L)]
        keymask = torch.ones(B, cap, device=dev)
        t0 = now(dev)
        c0 = time.thread_time()
        pos = torch.arange(P, device=dev)[None].expand(B, P)
        h = m(ids, pos, causal(B, P, 0, keymask[:, :P], dt), cache, 0, cos_t, sin_t)
        lp = torch.log_softmax(m.logits(h[:, -1]).float(), -1)
        nxt = lp.argmax(-1)
        out = [nxt]
        t1 = now(dev)
        c1 = time.thread_time()
        zero = torch.zeros(B, 1, 1, cap, device=dev, dtype=dt)  # decode: every cached key is real and in the past
        for s in range(1, n_new):
            T = P + s
            h = m(nxt[:, None], torch.full((B, 1), T - 1, dtype=torch.long, device=dev), zero[..., :T], cache, T - 1,
                  cos_t, sin_t)
            lp = torch.log_softmax(m.logits(h[:, -1]).float(), -1)
            nxt = lp.argmax(-1)
            out.append(nxt)
        torch.stack(out).tolist()
        t2 = now(dev)
        c2 = time.thread_time()
        return (t1 - t0) * 1e3, (t2 - t1) * 1e3, (n_new - 1) * B, (c1 - c0) * 1e3, (c2 - c1) * 1e3

    with torch.inference_mode():
        run(min(N, 3), args.seed + 1)
        best = None
        for i in range(args.repeat):
            if args.profile and i == args.repeat - 1:
                with torch.autograd.profiler.profile() as prof:
                    r = run(N, args.seed)
                prof.export_chrome_trace(args.profile)
            else:
                r = run(N, args.seed)
            best = r if best is None or r[1] < best[1] else best
    pre, dec, toks, pre_cpu, dec_cpu = best
    print(json.dumps({"impl": "pytorch-eager", "torch": torch.__version__, "device": str(dev), "dtype": args.dtype,
                      "batch": B, "prompt": P, "new": N,
                      "threads": torch.get_num_threads(), "prefill_ms": round(pre, 2), "decode_ms": round(dec, 2),
                      "decode_tokens_per_s": round(toks / (dec / 1e3), 2),
                      "prefill_tokens_per_s": round(B * P / (pre / 1e3), 2),
                      # per CPU second of the main thread (the ops run there with one thread)
                      "prefill_cpu_tokens_per_s": round(B * P / (pre_cpu / 1e3), 2),
                      "decode_cpu_tokens_per_s": round(toks / (dec_cpu / 1e3), 2)}))


def train(args):
    cfg, params = load(args.model)
    dev, dt = torch.device(args.device), DTYPE_ARGS[args.dtype]
    m = Qwen(cfg, params).train().to(dev, dt)
    V = cfg["vocab_size"]
    B, T = args.batch, args.seq
    gen = torch.Generator().manual_seed(args.seed)
    ids = torch.randint(0, V, (B, T), generator=gen).to(dev)
    pos = torch.arange(T, device=dev)[None].expand(B, T)
    mask = causal(B, T, 0, torch.ones(B, T, device=dev), dt)
    cos_t, sin_t = (t.to(dev, dt) for t in m.rope_table(T))
    opt = torch.optim.AdamW(m.parameters(), lr=1e-5, weight_decay=0.0)
    times = []
    cpu = []
    for i in range(args.warmup + args.iters):
        t0 = now(dev)
        c0 = time.process_time()
        opt.zero_grad(set_to_none=True)
        h = m(ids, pos, mask, None, 0, cos_t, sin_t)
        lp = torch.log_softmax(m.logits(h[:, :-1]).float(), -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
        loss = -lp.mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        if i >= args.warmup:
            times.append((now(dev) - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
    times.sort()
    cpu.sort()
    med = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    peak = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else None
    print(json.dumps({"impl": "pytorch-eager", "torch": torch.__version__, "device": str(dev), "dtype": args.dtype,
                      "peak_device_mb": peak and round(peak), "batch": B, "seq": T,
                      "threads": torch.get_num_threads(), "iters": args.iters, "median_ms": round(med, 1),
                      "min_ms": round(times[0], 1), "tokens_per_s": round(B * T / (med / 1e3)),
                      "median_cpu_ms": round(cpu[len(cpu) // 2] if len(cpu) % 2
                                             else (cpu[len(cpu) // 2 - 1] + cpu[len(cpu) // 2]) / 2, 1)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["generate", "train"])
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--prompt", type=int, default=64)
    ap.add_argument("--new", type=int, default=64)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("RSA_THREADS", "2")))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    ap.add_argument("--dtype", default="fp32", choices=sorted(DTYPE_ARGS))
    ap.add_argument("--profile", help="write a torch profiler chrome trace of the last timed run")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    (generate if args.mode == "generate" else train)(args)


if __name__ == "__main__":
    main()
