#!/usr/bin/env bash
# Runs every cargo fuzz target in fuzz/ for FUZZ_SECONDS seconds each (30 by default), on the
# stable toolchain (RUSTC_BOOTSTRAP=1, no sanitizer: the crates have no unsafe code). Installs
# cargo-fuzz when missing. A crash fails the run and leaves its input in fuzz/artifacts/<target>/;
# turn it into a regression test (see docs/security.md, "Fuzzing").
#
#   ./scripts/fuzz.sh                 # every target, 30 s each
#   FUZZ_SECONDS=600 ./scripts/fuzz.sh router
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

# libFuzzer is C++, built by libfuzzer-sys.
if ! command -v c++ >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: installing g++ for libFuzzer" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq g++ >/dev/null
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

seconds="${FUZZ_SECONDS:-30}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build --sanitizer none
for target in "${targets[@]}"; do
  echo "fuzzing $target for ${seconds}s"
  cargo fuzz run --sanitizer none "$target" -- -max_total_time="$seconds" -print_final_stats=1
done
