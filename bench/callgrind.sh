#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: a figure the machine's neighbours do
# not move, for changes too small for req/s on a shared machine. Not part of `npm run bench`.
#
#   bench/callgrind.sh app  [path] [requests]   the built server (dist/src/main.js) on Fastify,
#                                               SQLite in a temporary directory, the bench's env
#   bench/callgrind.sh bare [path] [requests]   Nest alone on Fastify (dist/bench/bare-nest.js):
#                                               /users/me, or /users/me/with-api-headers
#
# Build first (`npm run build && node bench/build.js`); needs valgrind. One client, keep-alive,
# one request at a time: 20,000 requests to warm up, then `requests` (default 4,000) counted, user
# space, every thread of the server. Only routes without time-based state give steady counts: under
# valgrind a request takes some fifty times longer, so the guarded routes' one-second user cache
# and remembered tokens expire far more often than in real use. The count includes the JIT
# compiler's and the garbage collector's threads, whose work moves with timing: a run beside other
# heavy work has counted nearly twice as much. Run it alone, and read several runs.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?app or bare}
path=${2:-$([[ $kind == app ]] && echo /.well-known/jwks.json || echo /users/me)}
requests=${3:-4000}
work=$(mktemp -d)
trap 'kill -9 "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 10000))
# callgrind_control finds the server by the user and host names valgrind saw; the app listens on HOST.
export USER=${USER:-$(id -un)} LOGNAME=${LOGNAME:-$(id -un)} HOST=127.0.0.1
# Node's flags as `npm run start:prod` runs the server (bench/lib/start-prod.ts, built by bench/build.js).
read -r -a node_flags <<<"$(node --input-type=module -e "import { startProdNodeFlags } from './dist/bench/lib/start-prod.js'; console.log(startProdNodeFlags('.').join(' '))")"

if [[ $kind == app ]]; then
  secret() { node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))"; }
  env NODE_ENV=production HTTP_ADAPTER=fastify LOG_LEVEL=warn DOCS_ENABLED=false COOKIE_SECURE=false \
    JWT_SECRET="$(secret)" SESSION_SECRET="$(secret)" MFA_ENCRYPTION_KEY="$(secret)" \
    DATABASE_URL="sqlite:$work/auth.sqlite" PORT=$port \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/out" \
    node "${node_flags[@]}" dist/src/main.js >"$work/log" 2>&1 &
else
  env NODE_ENV=production BENCH_BARE_ADAPTER=fastify PORT=$port \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/out" \
    node "${node_flags[@]}" dist/bench/bare-nest.js >"$work/log" 2>&1 &
fi
server=$!

# Exactly n requests on one keep-alive connection, one after the other.
send() {
  node -e '
    const http = require("node:http");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let left = Number(process.argv[1]);
    const next = () => left-- > 0
      ? http.get({ host: "127.0.0.1", port: Number(process.argv[2]), path: process.argv[3], agent }, (res) => {
          if (res.statusCode !== 200) { console.error(`status ${res.statusCode}`); process.exit(1); }
          res.resume().on("end", next);
        })
      : agent.destroy();
    next();' "$1" "$port" "$path"
}

for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$port$path" && break
  kill -0 "$server" 2>/dev/null || { cat "$work/log"; exit 1; }
  sleep 0.5
done
send 20000
callgrind_control -i on "$server" >/dev/null 2>&1
send "$requests"
callgrind_control -i off "$server" >/dev/null 2>&1
callgrind_control -d "$server" >/dev/null 2>&1
sleep 1
total=$(awk '/^totals:/ { s += $2 } END { print s + 0 }' "$work"/out*)
((total > 0)) || { echo "callgrind counted nothing (did callgrind_control reach the server?)" >&2; exit 1; }
echo "$kind $path: $((total / requests)) instructions per request ($requests requests, $(node -v))"
