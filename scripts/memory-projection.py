# Memory projection of docs/memory.md: python3 scripts/memory-projection.py BENCH_TRAIN_JSON_LINES
# (checkpointed bench-train lines at three --seq values; fits a + b T + c T^2 and scales to Qwen3 0.6B/4B/8B).
import json, sys
import numpy as np
rows=[json.loads(l) for l in open(sys.argv[1] if len(sys.argv) > 1 else 'bench-train.jsonl') if l.startswith('{')]
ck={r['seq']:r['peak_rss_mb'] for r in rows if r['gradient_checkpointing']}
T=np.array(sorted(ck)); R=np.array([ck[t] for t in T],float)*2**20
if len(T)>=3:
    A=np.vstack([np.ones_like(T),T,T**2]).T.astype(float); a,b,c=np.linalg.lstsq(A,R,rcond=None)[0]
else:
    a,b,c=None,None,None
print('fit a=%.0f MB b=%.1f KB/token c=%.1f B/token^2'%(a/2**20,b/1024,c) if a is not None else 'need 3 points', file=sys.stderr)
# analytic per-token cost of the checkpointed pass (bytes), compute dtype size s
def lin(L,h,nh,nkv,hd,inter,s): return L*h*s + 2*(2*h+4*nh*hd+4*nkv*hd+4*inter)*s
meas_lin=lin(4,1024,16,8,128,3072,4)
kb = b/meas_lin if b is not None else 1.0
kc = c/16 if c is not None else 12.0   # bytes per head per token^2 (one layer at a time)
models={'Qwen3-0.6B':dict(P=0.596e9,Pad=0.44e9,L=28,h=1024,nh=16,nkv=8,hd=128,inter=3072),
        'Qwen3-4B':dict(P=4.02e9,Pad=3.63e9,L=36,h=2560,nh=32,nkv=8,hd=128,inter=9728),
        'Qwen3-8B':dict(P=8.19e9,Pad=6.95e9,L=36,h=4096,nh=32,nkv=8,hd=128,inter=12288)}
print('| model | mode | weights+optimizer GB | 8k tokens GB | 32k tokens GB |')
print('|---|---|---|---|---|')
for n,m in models.items():
    for mode in ['full (fp32)','LoRA r16 (half base)']:
        if mode.startswith('full'):
            W=16*m['P']; s=4
        else:
            W=2*m['P']+2*m['Pad']+16*0.02*m['Pad']; s=2
        out=[]
        for t in [8192,32768]:
            act=kb*lin(m['L'],m['h'],m['nh'],m['nkv'],m['hd'],m['inter'],s)*t + kc*m["nh"]*t*t
            out.append((W+act)/1e9)
        print('| %s | %s | %.1f | %.0f | %.0f |'%(n,mode,W/1e9,out[0],out[1]))
print('kb=%.2f kc=%.1f'%(kb,kc), file=sys.stderr)
