#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) against an installed PyTorch, for a libtorch other than the 2.7.1 that
# DJL 0.35.1 ships JNIs for (e.g. a CUDA 13 torch on a new driver or GPU):
#   scripts/build-djl-jni.sh DJL_SOURCE [PYTHON]
#   DJL_SOURCE: a checkout of DJL at the version in pom.xml (git clone -b v0.35.1 https://github.com/deepjavalibrary/djl)
#   PYTHON:     the python3 whose torch to build against (default python3)
# Writes libdjl_torch.so into that torch's lib folder (where DJL looks first) and prints the exports to run `rsa` on
# it: PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR. Needs g++, a JDK's include folder (JAVA_HOME or the
# javac on PATH) and, for CUDA, the CUDA runtime headers. Files that do not compile against this torch are reported;
# the legacy-profiler part of DJL (gone from newer torch) is left out when it is what fails.
set -euo pipefail
src="${1:?usage: $0 DJL_SOURCE [PYTHON]}"
py="${2:-python3}"
native="$src/engines/pytorch/pytorch-native/src/main/native"
[[ -d "$native" ]] || { echo "build-djl-jni: no $native: DJL_SOURCE must be a DJL checkout" >&2; exit 2; }
torch="$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
version="$("$py" -c 'import re, torch; print(re.match(r"\d+\.\d+\.\d+", torch.__version__).group(0))')"
cuda="$("$py" -c 'import torch; print((torch.version.cuda or "").replace(".", ""))')"
abi="$("$py" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
jdk="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
jni_inc="${JNI_INCLUDE:-$jdk/include}"
[[ -f "$jni_inc/jni.h" ]] || { echo "build-djl-jni: no jni.h in $jni_inc (set JAVA_HOME to a JDK or JNI_INCLUDE)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/include" "$work/obj"
if [[ -n "${DJL_JNI_HEADER:-}" ]]; then
  cp "$DJL_JNI_HEADER" "$work/include/"
else # the JNI header from DJL's own Java declarations (as DJL's build does)
  api_jar="$(find "${MAVEN_REPO:-$HOME/.m2/repository}/ai/djl/api" -name 'api-*.jar' | head -1)"
  javac -cp "$api_jar" -sourcepath "$src/engines/pytorch/pytorch-engine/src/main/java" -h "$work/include" \
    -d "$work/classes" "$src/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
fi
flags=(-O2 -fPIC -std=c++17 -w "-D_GLIBCXX_USE_CXX11_ABI=$abi" -I"$work/include" -I"$src/api/src/main/native"
  -I"$jni_inc" -I"$jni_inc/linux" -I"$torch/include" -I"$torch/include/torch/csrc/api/include")
[[ "$version" =~ ^(1\.|2\.[01]\.) ]] && flags+=(-DV1_13_X) # as DJL's build.sh: c10::variant before std::variant
libs=(-ltorch -ltorch_cpu -lc10)
flavor=cpu
if [[ -n "$cuda" ]]; then
  # the CUDA headers c10/cuda includes: a toolkit's (CUDA_HOME, /usr/local/cuda, beside nvcc) has crt/host_defines.h,
  # which the pip wheels' nvidia/*/include lack (seen with torch 2.11 cu130); take the toolkit's first, then the wheels'
  nvcc_dir="$(dirname "$(command -v nvcc 2>/dev/null || echo /nonexistent/bin/nvcc)")"
  cuda_inc=()
  for d in "${CUDA_HOME:-/nonexistent}" /usr/local/cuda "$nvcc_dir/.."; do
    for i in "$d/include" "$d/targets/x86_64-linux/include"; do
      [[ -f "$i/crt/host_defines.h" ]] && cuda_inc+=(-I"$(readlink -f "$i")")
    done
  done
  while IFS= read -r h; do cuda_inc+=(-I"$(dirname "$h")"); done \
    < <(find "$torch/../nvidia" -name cuda_runtime_api.h 2>/dev/null)
  if [[ ${#cuda_inc[@]} == 0 ]]; then
    echo "build-djl-jni: torch has CUDA $cuda but no CUDA headers were found (set CUDA_HOME to a CUDA toolkit)" >&2
    exit 2
  fi
  flags+=(-DUSE_CUDA "${cuda_inc[@]}")
  libs+=(-ltorch_cuda -lc10_cuda)
  flavor="cu$cuda"
fi
compile() { g++ "${flags[@]}" -c "$1" -o "$work/obj/$(basename "$1" .cc).o" 2>"$work/obj/$(basename "$1" .cc).err"; }
failed=()
pids=()
for f in "$native"/*.cc; do compile "$f" & pids+=($!); done
i=0
for f in "$native"/*.cc; do wait "${pids[$i]}" || failed+=("$(basename "$f" .cc)"); i=$((i + 1)); done
for name in "${failed[@]}"; do
  if [[ "$name" == *_system ]]; then # newer torch dropped the legacy profiler DJL's profiler calls use
    "$py" - "$native/$name.cc" "$work/$name.cc" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("std::string ToString"))
end = next(i for i, l in enumerate(lines) if "torchCudaEmptyCache" in l) - 1
out = lines[:start] + ["#if 0"] + lines[start:end] + ["#endif"] + lines[end:]
out = ["// " + l if l.startswith("using namespace torch::autograd::profiler") or "ATen/code_template.h" in l else l
       for l in out]
open(sys.argv[2], "w").write("\n".join(out))
EOF
    if g++ "${flags[@]}" -I"$native" -c "$work/$name.cc" -o "$work/obj/$name.o" 2>"$work/obj/$name.err2"; then
      echo "build-djl-jni: $name: built without DJL's profiler (torchStartProfile/torchStopProfile)" >&2
      continue
    fi
  fi
  echo "build-djl-jni: $name.cc does not compile against torch $version:" >&2
  head -20 "$work/obj/$name.err" >&2
done
g++ -shared -o "$work/libdjl_torch.so" "$work"/obj/*.o -L"$torch/lib" -Wl,-rpath,"$torch/lib" "${libs[@]}"
cp "$work/libdjl_torch.so" "$torch/lib/libdjl_torch.so"
echo "build-djl-jni: wrote $torch/lib/libdjl_torch.so ($(ls "$work"/obj/*.o | wc -l) of $(ls "$native"/*.cc | wc -l) files)" >&2
echo "export PYTORCH_LIBRARY_PATH=$torch/lib PYTORCH_VERSION=$version PYTORCH_FLAVOR=$flavor"
