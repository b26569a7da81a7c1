#!/usr/bin/env bash
# wrk against weft's examples/hello_http and its tokio twin (weft-benches'
# hello_http_tokio), interleaved: `wrk -t1 -c64 -d10s` per run, ROUNDS rounds (default 5).
# Prints, per run, requests/s and the server's CPU time per request (utime + stime from
# /proc/PID/stat before and after the run), then the medians and weft/tokio ratios.
#
# Usage: benches/scripts/wrk_hello.sh [ROUNDS]    (needs wrk: apt-get install -y wrk)
# Only ever targets 127.0.0.1; each run is bounded by -d10s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

rounds=${1:-5}
weft_port=3917
tokio_port=3918

cargo build --release -q -p weft --features hyper --example hello_http
cargo build --release -q -p weft-benches --features hyper --bin hello_http_tokio

./target/release/examples/hello_http "127.0.0.1:${weft_port}" </dev/null >/dev/null &
weft_pid=$!
./target/release/hello_http_tokio "127.0.0.1:${tokio_port}" </dev/null >/dev/null &
tokio_pid=$!
trap 'kill "$weft_pid" "$tokio_pid" 2>/dev/null || true' EXIT

for port in "$weft_port" "$tokio_port"; do
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:${port}/" >/dev/null && break
        sleep 0.1
    done
done

ticks=$(getconf CLK_TCK)
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat; the
# command name in field 2 has no spaces here).
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run() { # name pid port
    local before after out reqs rps
    before=$(cpu "$2")
    out=$(wrk -t1 -c64 -d10s "http://127.0.0.1:$3/")
    after=$(cpu "$2")
    reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    # CPU microseconds per request.
    awk -v n="$1" -v rps="$rps" -v reqs="$reqs" -v t=$((after - before)) -v hz="$ticks" \
        'BEGIN { printf "%s %.0f %.2f\n", n, rps, t * 1e6 / hz / reqs }'
}

results=$(
    for r in $(seq "$rounds"); do
        echo "round $r/$rounds" >&2
        run weft "$weft_pid" "$weft_port"
        run tokio "$tokio_pid" "$tokio_port"
    done
)

echo "| round | weft req/s | tokio req/s | weft CPU µs/req | tokio CPU µs/req |"
echo "|---|---|---|---|---|"
paste -d' ' <(grep '^weft' <<<"$results") <(grep '^tokio' <<<"$results") |
    awk '{ printf "| %d | %s | %s | %s | %s |\n", NR, $2, $5, $3, $6 }'
# Medians of each column, and the ratios of the medians (weft/tokio).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
w_rps=$(grep '^weft' <<<"$results" | awk '{ print $2 }' | median)
t_rps=$(grep '^tokio' <<<"$results" | awk '{ print $2 }' | median)
w_cpu=$(grep '^weft' <<<"$results" | awk '{ print $3 }' | median)
t_cpu=$(grep '^tokio' <<<"$results" | awk '{ print $3 }' | median)
awk -v wr="$w_rps" -v tr="$t_rps" -v wc="$w_cpu" -v tc="$t_cpu" 'BEGIN {
    printf "| median | %s | %s | %s | %s |\n", wr, tr, wc, tc
    printf "\nweft/tokio: req/s %.2f, CPU per request %.2f\n", wr / tr, wc / tc
}'
