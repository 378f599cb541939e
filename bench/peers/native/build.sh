#!/usr/bin/env bash
# Builds the native peers of W1/W2/W5 into OUT (default: ./bin), offline, from Debian
# packages only: Boost.Asio (libboost-dev) with C++20 coroutines, and Tokio from
# Debian's packaged crates (librust-tokio-dev, /usr/share/cargo/registry).
# Each peer is optional: one that cannot be built is reported and skipped.
#
# usage: build.sh [OUT]        env: CXX (g++)  JOBS (2)
# out:   OUT/asio_{spawn,switch,echo} OUT/tokio_{spawn,switch,echo}
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-$here/bin}" && cd "${1:-$here/bin}" && pwd)"
CXX=${CXX:-g++}
JOBS=${JOBS:-2}
status=0

if [ -f /usr/include/boost/asio.hpp ]; then
  for p in asio_spawn asio_switch asio_echo; do
    if [ ! -x "$out/$p" ] || [ "$here/$p.cpp" -nt "$out/$p" ]; then
      echo "build.sh: $CXX -std=c++20 -O2 -DNDEBUG -pthread -o $out/$p $p.cpp"
      "$CXX" -std=c++20 -O2 -DNDEBUG -pthread -o "$out/$p" "$here/$p.cpp" || status=1
    fi
  done
else
  echo "build.sh: skipping Asio peers: /usr/include/boost/asio.hpp missing (apt-get install libboost-dev)"
  status=1
fi

if [ -x "$HOME/.cargo/bin/cargo" ]; then PATH="$HOME/.cargo/bin:$PATH"; fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "build.sh: skipping Tokio peers: no cargo on PATH"
  status=1
elif [ ! -d /usr/share/cargo/registry ] || ! ls -d /usr/share/cargo/registry/tokio-1.* >/dev/null 2>&1; then
  echo "build.sh: skipping Tokio peers: no Debian tokio crate (apt-get install librust-tokio-dev)"
  status=1
else
  # The lock file is regenerated against the Debian crate directory each time (an
  # older cargo may not read a newer lock format), in a target dir next to OUT.
  rm -f "$here/rust/Cargo.lock"
  if (cd "$here/rust" && CARGO_TARGET_DIR="$out/cargo-target" cargo build --release --offline -j "$JOBS"); then
    for p in tokio_spawn tokio_switch tokio_echo; do cp -f "$out/cargo-target/release/$p" "$out/$p"; done
  else
    echo "build.sh: Tokio peers failed to build"
    status=1
  fi
  rm -f "$here/rust/Cargo.lock"
fi
exit $status
