#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that has a Python torch but no Java, Maven or network:
#   scripts/gpu-pack.sh DJL_SOURCE [OUT_DIR]     (default OUT_DIR: .gpu, git-ignored)
#   DJL_SOURCE: a DJL checkout at the version in pom.xml (git clone -b v0.35.1 https://github.com/deepjavalibrary/djl)
# Writes OUT_DIR/jre.tar.xz (a jlink'd Java runtime, ~18 MB), OUT_DIR/jar.tar.xz (build/rsa.jar without the bundled
# CPU libtorch and other platforms' native libraries, ~22 MB) and OUT_DIR/djl (DJL's JNI sources, their generated
# header and the JDK's JNI headers) for scripts/build-djl-jni.sh there. Copy the repository with OUT_DIR along.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${1:?usage: $0 DJL_SOURCE [OUT_DIR]}"
out="${2:-$root/.gpu}"
[[ -d "$src/engines/pytorch/pytorch-native/src/main/native" ]] || { echo "gpu-pack: $src is not a DJL checkout" >&2; exit 2; }
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root" && mvn -B -q -DskipTests package)
jar="$root/build/rsa.jar"
modules="$(jdeps --ignore-missing-deps --print-module-deps --multi-release 17 "$jar" | tail -1)"
jlink --add-modules "$modules,java.logging,java.management,jdk.crypto.ec,java.xml" --compress=0 --strip-debug \
  --no-header-files --no-man-pages --output "$work/jre0"
tar cJf "$out/jre.tar.xz" -C "$work" jre0
mkdir "$work/jar" && (cd "$work/jar" && unzip -q "$jar")
# the CPU libtorch (DJL loads the GPU machine's torch instead), and native libraries of other platforms
(cd "$work/jar" && rm -rf pytorch/cpu native/lib/linux-aarch64 native/lib/win-* native/lib/osx-* jnilib/linux-aarch64 \
  jnilib/linux-x86_64/cu128 aix darwin freebsd win linux/aarch64 linux/arm linux/i386 linux/loongarch64 linux/mips64 \
  linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x && find org/xerial/snappy/native -mindepth 1 -maxdepth 1 \
  ! -name Linux -exec rm -rf {} + 2>/dev/null; find org/xerial/snappy/native/Linux -mindepth 1 -maxdepth 1 \
  ! -name x86_64 -exec rm -rf {} + 2>/dev/null || true)
tar cf - -C "$work/jar" . | xz -6 -T0 > "$out/jar.tar.xz"
rm -rf "$out/djl" && mkdir -p "$out/djl/include" "$out/djl/jni"
(cd "$src" && tar cf - engines/pytorch/pytorch-native/src/main/native api/src/main/native) | tar xf - -C "$out/djl"
api_jar="$(find "${MAVEN_REPO:-$HOME/.m2/repository}/ai/djl/api" -name 'api-*.jar' | head -1)"
javac -cp "$api_jar" -sourcepath "$src/engines/pytorch/pytorch-engine/src/main/java" -h "$out/djl/include" \
  -d "$work/classes" "$src/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"
jdk="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
cp -r "$jdk/include/." "$out/djl/jni/"
du -sh "$out"/* >&2
