#!/usr/bin/env bash
# The upload benchmark (see examples/bench/): builds the binary as it is
# packaged (the `dist` profile: fat LTO) and the benchmark, then runs the default set (about 11 minutes on a 2-core
# machine, after the build) or, with --full, the larger one.
#   scripts/bench.sh [--full] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || {
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q fonts-dejavu-core
}
cargo build --profile dist --bin x-uploader --example bench
exec target/dist/examples/bench "$@"
