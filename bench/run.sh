#!/usr/bin/env bash
# The benchmark harness of issue 6, in one command. Needs root (apt-get) the first time.
#
#   bench/run.sh              the headline table: 5 targets, 3 runs, medians (~12 min)
#   bench/run.sh --scale      also: router --workers 2, 50 ms upstream x 256 connections,
#                             10^6 metrics records (~8 min more)
#   bench/run.sh --profile    also: py-spy profile of the router under load (~2 min)
#   bench/run.sh -- ARGS      anything after -- goes to gateway_bench.py (see --help)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || make install

# Debian tools: the fake upstream and the load generator.
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
# The bench's own Python needs (not the package's): aiohttp and py-spy.
"$PY" -c 'import aiohttp' 2>/dev/null || .venv/bin/pip install -q aiohttp
[ -x .venv/bin/py-spy ] || .venv/bin/pip install -q py-spy

scale=0 profile=0 extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=1 ;;
    --profile) profile=1 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown option $1 (use --scale, --profile, or -- ARGS)" >&2; exit 2 ;;
  esac
  shift
done

"$PY" bench/gateway_bench.py --label headline ${extra[@]+"${extra[@]}"}
if [ "$scale" = 1 ]; then
  echo; echo "== scale (a): the router with --workers 2 on both cores =="
  "$PY" bench/gateway_bench.py --label workers2 --workers 2 --targets router,gateway --no-rate
  echo; echo "== scale (b): 50 ms upstream, 256 connections in flight =="
  "$PY" bench/gateway_bench.py --label slow256 --upstream-delay-ms 50 --connections 256 \
    --targets passthrough,router,gateway --no-rate
  echo; echo "== scale (c): 10^6 requests recorded in metrics =="
  "$PY" bench/metrics_memory.py
fi
if [ "$profile" = 1 ]; then
  echo; echo "== profile: the router under load (py-spy) =="
  "$PY" bench/profile_router.py
fi
