#!/usr/bin/env bash
# Runs every cargo-fuzz target of the repository for a fixed budget and lists the results.
# Fails when any target crashes, panics, leaks or times out (one input > 5 s).
#
#   scripts/fuzz.sh                      # 60 s per target
#   FUZZ_SECONDS=10 scripts/fuzz.sh      # shorter budget
#   scripts/fuzz.sh markdown tbt_import  # only these targets
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Each fuzz package
# (crates/stdnum/fuzz, crates/biaozhun/fuzz) is its own workspace with its own target dir;
# seeds are read from <package>/fuzz/seeds/<target> (committed), the corpus grows in
# <package>/fuzz/corpus/<target> and crashes land in <package>/fuzz/artifacts/<target>.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
TIMEOUT="${FUZZ_TIMEOUT:-5}"
JOBS_RSS_MB="${FUZZ_RSS_MB:-2048}"
# --dev (unoptimised, with debug assertions and overflow checks) builds much faster than
# --release on a small machine and catches more; FUZZ_BUILD=-O for an optimised build.
BUILD="${FUZZ_BUILD:---dev}"
# FUZZ_PACKAGES="crates/stdnum" to run one package only.
read -r -a PACKAGES <<< "${FUZZ_PACKAGES:-crates/stdnum crates/biaozhun}"
ONLY=("$@")

command -v cargo >/dev/null || { echo "cargo not found" >&2; exit 2; }
cargo +nightly fuzz --version >/dev/null 2>&1 || { echo "cargo-fuzz missing: cargo install cargo-fuzz" >&2; exit 2; }

results=()
failed=0
for pkg in "${PACKAGES[@]}"; do
  [ -d "$pkg/fuzz" ] || continue
  # Build all of the package's targets once (slow the first time: the dependency tree is
  # compiled with sanitizers into $pkg/fuzz/target).
  if ! (cd "$pkg" && cargo +nightly fuzz build $BUILD 2>&1 | tail -n 20); then
    results+=("$pkg: BUILD FAILED"); failed=1; continue
  fi
  for target in $(cd "$pkg" && cargo +nightly fuzz list); do
    if [ "${#ONLY[@]}" -gt 0 ] && [[ ! " ${ONLY[*]} " == *" $target "* ]]; then continue; fi
    mkdir -p "$pkg/fuzz/corpus/$target" "$pkg/fuzz/artifacts/$target"
    log="$pkg/fuzz/artifacts/$target/last-run.log"
    start=$(date +%s)
    # Committed seed inputs (a few small valid files per target) start the search; new
    # inputs are written to the first directory, the ignored corpus.
    dirs=("fuzz/corpus/$target")
    [ -d "$pkg/fuzz/seeds/$target" ] && dirs+=("fuzz/seeds/$target")
    (cd "$pkg" && cargo +nightly fuzz run $BUILD "$target" "${dirs[@]}" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout="$TIMEOUT" -rss_limit_mb="$JOBS_RSS_MB" \
        -max_len=65536 -print_final_stats=1) >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*')
    corpus=$(find "$pkg/fuzz/corpus/$target" -type f | wc -l)
    if [ $rc -eq 0 ]; then
      status=ok
    else
      status=FAIL; failed=1
      crash=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -n1 | sed 's/Test unit written to //')
      status="FAIL (${crash:-see $log})"
    fi
    results+=("$(printf '%-8s %-20s %4ss  execs=%-9s cov=%-6s corpus=%-5s %s' "${pkg#crates/}" "$target" "$took" "${execs:-?}" "${cov:-?}" "$corpus" "$status")")
  done
done

echo
echo "fuzz results (${SECONDS_PER_TARGET}s per target, -timeout=${TIMEOUT}):"
printf '  %s\n' "${results[@]}"
exit $failed
