#!/usr/bin/env bash
# Compiles BPF C programs to BPF ELF objects at build time (called by Maven in generate-resources).
#   compile.sh OUT_DIR SOURCE.bpf.c[:NAME.o[:-DFLAG...]] ...
# A failing compile fails the build; a missing clang says how to get it.
set -euo pipefail
out=$1; shift
CLANG=${WARD_CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "bpf: clang not found: the BPF programs are compiled at build time; run scripts/install-deps (installs clang and libbpf-dev)" >&2
  exit 1
fi
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
  echo "bpf: /usr/include/bpf/bpf_helpers.h not found: run scripts/install-deps (installs libbpf-dev)" >&2
  exit 1
fi
mkdir -p "$out"
for spec in "$@"; do
  IFS=: read -r src obj flags <<<"$spec"
  [ -n "$obj" ] || obj=$(basename "${src%.bpf.c}").o
  # shellcheck disable=SC2086
  "$CLANG" -O2 -g -target bpf -Wall -Werror -I/usr/include/x86_64-linux-gnu -I"$(dirname "$src")" $flags \
    -c "$src" -o "$out/$obj"
done
