# Runs untrusted solution code under resource limits, with the network disabled.
# argv: mem_bytes cpu_seconds fsize_bytes mode solution.py [case.json]
#   mode stdin : run solution.py as __main__ (stdin/stdout test)
#   mode call  : call case["fn_name"](*case["args"]) and compare with case["expected"]
#   mode assert: run solution.py, then the statement case["assert"] in its namespace
# Exit status: 0 pass, 3 wrong answer, anything else error.
import json
import os
import resource
import runpy
import sys

mem, cpu, fsize = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
mode, solution = sys.argv[4], sys.argv[5]
case = None
if len(sys.argv) > 6:
    with open(sys.argv[6], encoding="utf-8") as f:
        case = json.load(f)


def _limit(res, soft, hard=None):
    try:
        resource.setrlimit(res, (soft, soft if hard is None else hard))
    except (ValueError, OSError):
        pass


try:
    os.setsid()  # own process group: the runner kills the whole group afterwards
except OSError:
    pass
_limit(resource.RLIMIT_AS, mem)
_limit(resource.RLIMIT_CPU, cpu, cpu + 1)
_limit(resource.RLIMIT_FSIZE, fsize)
_limit(resource.RLIMIT_CORE, 0)
_limit(resource.RLIMIT_NPROC, 0)

import socket as _socket_mod  # noqa: E402
import _socket  # noqa: E402


def _no_network(*args, **kwargs):
    raise OSError("network access is disabled in the sandbox")


for _mod in (_socket_mod, _socket):
    for _name in ("socket", "create_connection", "socketpair", "fromfd", "getaddrinfo", "create_server"):
        if hasattr(_mod, _name):
            setattr(_mod, _name, _no_network)
sys.argv = [solution]


def _plain(x):
    if isinstance(x, (tuple, list)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    return x


def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))
        except (TypeError, ValueError):
            return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


if mode == "stdin":
    runpy.run_path(solution, run_name="__main__")
elif mode == "call":
    ns = runpy.run_path(solution, run_name="solution")
    name = case["fn_name"]
    fn = ns.get(name)
    if fn is None and "Solution" in ns:
        fn = getattr(ns["Solution"](), name, None)
    if fn is None:
        print("function %s not defined" % name, file=sys.stderr)
        sys.exit(4)
    args = case["args"]
    result = fn(*args) if isinstance(args, list) else fn(args)
    got = _plain(result)
    if not _same(got, _plain(case["expected"])):
        print("expected %r, got %r" % (case["expected"], got), file=sys.stderr)
        sys.exit(3)
elif mode == "assert":
    ns = runpy.run_path(solution, run_name="solution")
    try:
        exec(compile(case["assert"], "<test>", "exec"), ns)
    except AssertionError:
        print("assertion failed: " + case["assert"][:200], file=sys.stderr)
        sys.exit(3)
else:
    sys.exit(5)
sys.stdout.flush()
