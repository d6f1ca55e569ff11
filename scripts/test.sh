#!/usr/bin/env bash
# The whole test suite: unit and integration tests (SQLite always; PostgreSQL too when
# BIAOZHUN_TEST_DATABASE_URL is set) and the browser journeys in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked

# Browser journeys drive the debug binary that `cargo test` built for the integration tests
# (the captcha hook exists only in debug builds), so nothing is compiled a second time.
export BIAOZHUN_BIN="${BIAOZHUN_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/biaozhun}"
[ -x "$BIAOZHUN_BIN" ] || cargo build -p biaozhun --locked
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  echo "chromium is not installed (apt-get install chromium); see .ci/run" >&2
  exit 1
fi
(cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund; } && node --test --test-concurrency=1)
