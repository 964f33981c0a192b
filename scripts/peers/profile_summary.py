#!/usr/bin/env python3
"""Summarises a torch profiler chrome trace (from `rsa bench-generate --profile FILE` or torch_qwen.py --profile; --shapes splits ops by input shapes):
wall span, time covered by top-level ops (the rest is the caller's own overhead between ops: JNI/Python, Java
bookkeeping, host-side sampling) and the top-level ops by total time.   profile_summary.py TRACE [--steps N]"""
import collections
import json
import sys

path = sys.argv[1]
steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 0
raw = json.load(open(path))
ev = [e for e in (raw["traceEvents"] if isinstance(raw, dict) else raw)
      if e.get("ph") == "X" and e.get("cat", "cpu_op") in ("cpu_op", "Operator", "operator") and "dur" in e]
ev.sort(key=lambda e: (e["ts"], -e["dur"]))
top = []
end = -1.0
for e in ev:  # top-level: not inside the previous top-level op
    if e["ts"] >= end:
        top.append(e)
        end = e["ts"] + e["dur"]
span = top[-1]["ts"] + top[-1]["dur"] - top[0]["ts"]
busy = sum(e["dur"] for e in top)
by = collections.defaultdict(lambda: [0, 0.0])
shapes = "--shapes" in sys.argv
for e in top:
    key = e["name"] + (" " + str(e.get("args", {}).get("Input Dims", "")) if shapes else "")
    by[key][0] += 1
    by[key][1] += e["dur"]
print(f"span {span/1e3:.1f} ms, in top-level ops {busy/1e3:.1f} ms ({100*busy/span:.0f}%), "
      f"between ops {(span-busy)/1e3:.1f} ms; {len(top)} top-level ops"
      + (f" ({len(top)/steps:.0f} per step, {(span-busy)/steps:.0f} us overhead per step)" if steps else ""))
for name, (n, d) in sorted(by.items(), key=lambda kv: -kv[1][1])[:25]:
    print(f"{d/1e3:9.1f} ms {100*d/span:5.1f}%  {n:7d}x  {d/n:8.1f} us  {name}")
