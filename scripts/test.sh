#!/usr/bin/env bash
# Runs the whole nest-rs test suite: unit, integration (real TCP), property, trybuild UI,
# browser (headless Chromium), Redis (a real redis-server per test) and doc tests.
#
# Installs what the tests need when it is missing: Debian's `chromium`, `chromium-driver`,
# `redis-server`, and the benchmark's reference peers (`golang-go`,
# `golang-golang-x-net-dev`, `nginx`, `libnginx-mod-nchan`), through apt-get with sudo when not
# root, and mdbook (with cargo), then
# builds the book in docs/ (its Rust snippets run as doc tests of nest-tests). Extra arguments
# go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  missing+=(chromium chromium-driver)
fi
if ! command -v redis-server >/dev/null 2>&1; then
  missing+=(redis-server)
fi
if ! command -v go >/dev/null 2>&1 || [ ! -d /usr/share/gocode/src/golang.org/x/net/http2/h2c ]; then
  missing+=(golang-go golang-golang-x-net-dev)
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] \
  || [ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  missing+=(nginx libnginx-mod-nchan)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "scripts/test.sh: installing ${missing[*]} (browser tests, Redis hub tests, benchmark peers)" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The tests start their own redis-server on free ports; the one Debian's package starts
# is not needed (and may not run at all in a container).

if ! command -v mdbook >/dev/null 2>&1; then
  echo "scripts/test.sh: installing mdbook for the book in docs/" >&2
  cargo install mdbook --locked
fi
mdbook build docs

cargo test --workspace "$@"
