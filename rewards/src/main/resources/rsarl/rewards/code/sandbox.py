# Runs untrusted solution code under resource limits, with the network disabled and no child processes.
# argv: [--isolate] mem_bytes cpu_seconds fsize_bytes mode solution.py [case.json]
#   --isolate: started by `unshare --mount --pid --net --fork` (as root, or with -r as a user): build a
#              minimal read-only root (system dirs, the interpreter, a private /tmp, this folder as
#              /sandbox), chroot into it and drop to nobody (as root) or drop every capability (as a user)
#   mode stdin : run solution.py as __main__ (stdin/stdout test)
#   mode call  : call case["fn_name"](*case["args"]) and compare with case["expected"]
#   mode assert: run solution.py, then the statement case["assert"] in its namespace
# Exit status: 0 pass, 3 wrong answer, anything else error.
import ctypes
import json
import os
import platform
import resource
import runpy
import struct
import sys

ISOLATE = len(sys.argv) > 1 and sys.argv[1] == "--isolate"
if ISOLATE:
    del sys.argv[1]
_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, "%s: %s" % (what, os.strerror(e)))


def _mount(src, dst, fstype, flags, data=None):
    _check(_libc.mount(src and src.encode(), dst.encode(), fstype and fstype.encode(), ctypes.c_ulong(flags),
                       data and data.encode()), "mount " + dst)


MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
NOBODY = 65534


def _bind(root, src, writable=False):
    dst = root + src
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        open(dst, "a").close()
    _mount(src, dst, None, MS_BIND | MS_REC)
    if not writable:
        _mount(None, dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _isolate():
    work = os.getcwd()
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = os.path.join(work, ".root")
    os.makedirs(root, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=755")
    bound = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            os.symlink(os.readlink(top), root + top)
        elif os.path.isdir(top):
            _bind(root, top)
            bound.append(top)
    for extra in sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, os.path.dirname(sys.executable))}):
        if not any(extra == b or extra.startswith(b + "/") for b in bound):
            _bind(root, extra)  # the interpreter lives outside /usr (pyenv, conda, a venv)
            bound.append(extra)
    for f in ("/etc/ld.so.cache", "/etc/localtime"):
        if os.path.isfile(f):
            _bind(root, f)
    for dev in ("null", "zero", "random", "urandom"):
        _bind(root, "/dev/" + dev, writable=True)
    os.makedirs(root + "/proc")
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(root + "/tmp")
    _mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    os.makedirs(root + "/sandbox")
    _mount(work, root + "/sandbox", None, MS_BIND)
    try:
        os.chown(work, NOBODY, NOBODY)
    except OSError:
        pass  # user namespace: nobody is not mapped, the folder is already ours
    os.chdir(root)
    os.chroot(".")
    os.chdir("/sandbox")
    os.environ["HOME"] = os.environ["TMPDIR"] = "/sandbox"
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)  # real root: from here on an ordinary user, RLIMIT_NPROC binds
    except OSError:
        _drop_capabilities()  # user namespace: only our own uid is mapped


def _drop_capabilities():
    for cap in range(64):
        _libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP: an exec gains nothing back
    _check(_libc.prctl(28, 0x2F, 0, 0, 0), "securebits")  # NOROOT, NO_SETUID_FIXUP, KEEP_CAPS_LOCKED
    header = struct.pack("Ii", 0x20080522, 0)
    data = bytes(24)
    _check(_libc.capset(ctypes.c_char_p(header), ctypes.c_char_p(data)), "capset")


def _no_children():
    """seccomp filter: no fork, vfork, exec, nor clone without CLONE_THREAD (threads stay allowed)."""
    m = platform.machine()
    if m in ("x86_64", "AMD64"):
        arch, clone, clone3, deny = 0xC000003E, 56, 435, (57, 58, 59, 322)
    elif m in ("aarch64", "arm64"):
        arch, clone, clone3, deny = 0xC00000B7, 220, 435, (221, 281)
    else:
        return False
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, eperm, enosys, kill = 0x7FFF0000, 0x00050001, 0x00050026, 0x80000000
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, kill), (ld, 0, 0, 0),
            (jge, 0, 1, 0x40000000), (ret, 0, 0, eperm), (jeq, 0, 1, clone3), (ret, 0, 0, enosys)]
    for nr in deny:
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    prog += [(jeq, 0, 3, clone), (ld, 0, 0, 16), (jset, 1, 0, 0x10000), (ret, 0, 0, eperm), (ret, 0, 0, allow)]
    buf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in prog))

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Fprog(len(prog), ctypes.addressof(buf))
    _check(_libc.prctl(38, 1, 0, 0, 0), "no_new_privs")
    _check(_libc.prctl(22, 2, ctypes.byref(fprog), 0, 0), "seccomp")
    return True


if ISOLATE:
    _isolate()
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

if not _no_children() and os.environ.get("RSA_SANDBOX_REQUIRE_SECCOMP"):
    print("no seccomp filter for " + platform.machine(), file=sys.stderr)
    sys.exit(6)
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
