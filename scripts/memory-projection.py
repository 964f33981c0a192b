# Memory projection of docs/memory.md: python3 scripts/memory-projection.py BENCH_TRAIN_JSON_LINES
# Takes the checkpointed bench-train lines (Qwen3-0.6B widths, 4 layers, LoRA, batch 1) at three or more --seq
# values, fits what one step adds to the resident memory (step_peak_anon_mb - anon_before_steps_mb) as
# a + b T + c T^2, and scales it to Qwen3 0.6B/4B/8B on a GPU: the per-token term through the analytic per-token bytes
# of the checkpointed pass (kept layer inputs + one layer's full-length q/k/v with their leaves and gradients + the
# head's hidden rows), the constant (head chunks, attention blocks) as measured, c per head.
import json, sys
import numpy as np
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
ck = {r['seq']: r['step_peak_anon_mb'] - r['anon_before_steps_mb'] for r in rows
      if r['gradient_checkpointing'] and 'step_peak_anon_mb' in r}
T = np.array(sorted(ck), float)
R = np.array([ck[t] for t in sorted(ck)], float) * 2**20
A = np.vstack([np.ones_like(T), T, T**2]).T
a, b, c = np.linalg.lstsq(A, R, rcond=None)[0]
print('fit: %.0f MB + %.1f KB x T + %.2f B x T^2' % (a / 2**20, b / 1024, c), file=sys.stderr)


def per_token(L, h, nh, nkv, hd, s):
    return (L + 8) * h * s + 3 * 3 * (nh + 2 * nkv) * hd * s


kb = b / per_token(4, 1024, 16, 8, 128, 4)
kc = max(c, 0.0) / 16  # bytes per head per token^2
models = {'Qwen3-0.6B': dict(P=0.596e9, L=28, h=1024, nh=16, nkv=8, hd=128, inter=3072),
          'Qwen3-4B': dict(P=4.02e9, L=36, h=2560, nh=32, nkv=8, hd=128, inter=9728),
          'Qwen3-8B': dict(P=8.19e9, L=36, h=4096, nh=32, nkv=8, hd=128, inter=12288)}
print('| model | mode | weights+optimizer GB | 8k tokens GB | 32k tokens GB |')
print('|---|---|---|---|---|')
for n, m in models.items():
    adapter = 16 * m['L'] * (7 * m['h'] + 2 * m['nh'] * m['hd'] + 2 * m['nkv'] * m['hd'] + 3 * m['inter'])
    for mode in ['full (fp32)', 'LoRA r16, all linear (half base)']:
        full = mode.startswith('full')
        W = 16 * m['P'] if full else 2 * m['P'] + 16 * adapter
        s = 4 if full else 2
        out = [(W + a + kb * per_token(m['L'], m['h'], m['nh'], m['nkv'], m['hd'], s) * t
                + kc * m['nh'] * t * t) / 1e9 for t in (8192, 32768)]
        print('| %s | %s | %.1f | %.0f | %.0f |' % (n, mode, W / 1e9, out[0], out[1]))
print('kb=%.2f (measured / analytic per-token bytes), kc=%.2f B per head per token^2' % (kb, kc), file=sys.stderr)
