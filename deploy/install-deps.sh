#!/usr/bin/env bash
# install-deps.sh: installs the Debian 12 packages lull builds, tests and benchmarks with.
# Idempotent: asks apt only for what is missing, and does nothing when all is there.
# Runs apt through sudo unless it is already root.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config clang-format
  # libraries
  libboost-dev libspdlog-dev libyaml-cpp-dev prometheus-cpp-dev libsimdjson-dev
  libsystemd-dev libnats-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libgc-dev prometheus netcat-openbsd curl gnuplot-nox
  # scale-out tests: a real NATS JetStream server on loopback
  nats-server
  # deploy checks: systemd-analyze, and dpkg-deb/dpkg-shlibdeps for the CPack .deb
  systemd dpkg-dev file
  # fuzzing (tests/fuzz): clang, and libclang-rt-14-dev for -fsanitize=fuzzer's libFuzzer and the
  # sanitizer runtimes (clang only recommends it, and recommends are not installed here)
  clang libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
