#!/usr/bin/env bash
# Runs the whole nest-rs test suite: unit, integration (real TCP), property, trybuild UI,
# browser (headless Chromium) and doc tests.
#
# Installs what the tests need when it is missing: Debian's `chromium` and `chromium-driver`
# (through apt-get, with sudo when not root) and mdbook (with cargo), then builds the book in
# docs/ (its Rust snippets run as doc tests of nest-tests). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "scripts/test.sh: installing chromium and chromium-driver for the browser test" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if ! command -v mdbook >/dev/null 2>&1; then
  echo "scripts/test.sh: installing mdbook for the book in docs/" >&2
  cargo install mdbook --locked
fi
mdbook build docs

cargo test --workspace "$@"
