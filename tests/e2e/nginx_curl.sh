#!/bin/bash
# nginx (under lxwsk) serves a 50 MB random file; curl (under lxwsk) fetches
# it over 127.0.0.1 and [::1]. Run twice: with nginx's default sendfile (the
# file data bypasses the socket write calls) and with `sendfile off`, so that
# the body goes through the shim's write/writev.
. "$(dirname "$0")/lib.sh"
need nginx curl

NGINX=$(command -v nginx)
random_file "$T/data.bin" $((50 * 1024))
mkdir -p "$T/www" && mv "$T/data.bin" "$T/www/data.bin"
# A small second file, also fetched through one keep-alive connection.
random_file "$T/www/small.bin" 64

run_nginx() { # MODE (on|off)
  local mode=$1 port conf pid workers w proto url out
  new_port port
  mkdir -p "$T/nginx-$mode"
  conf="$T/nginx-$mode/nginx.conf"
  local listen6=""
  [ "$E2E_HAVE_V6" = 1 ] && listen6="listen [::1]:$port;"
  cat >"$conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
user root;
pid $T/nginx-$mode/nginx.pid;
error_log $T/nginx-$mode.log info;
events { worker_connections 128; }
http {
  access_log $T/nginx-$mode/access.log;
  client_body_temp_path $T/nginx-$mode/body;
  proxy_temp_path $T/nginx-$mode/proxy;
  fastcgi_temp_path $T/nginx-$mode/fastcgi;
  uwsgi_temp_path $T/nginx-$mode/uwsgi;
  scgi_temp_path $T/nginx-$mode/scgi;
  default_type application/octet-stream;
  sendfile $mode;
  keepalive_timeout 10;
  server {
    listen 127.0.0.1:$port;
    $listen6
    root $T/www;
  }
}
EOF
  start_bg pid "$T/nginx-$mode.err" "$LXWSK" run -- "$NGINX" -p "$T/nginx-$mode" \
    -e "$T/nginx-$mode.log" -c "$conf"
  wait_tcp_listen 127.0.0.1 "$port" "$pid"
  [ "$E2E_HAVE_V6" = 1 ] && wait_tcp_listen ::1 "$port" "$pid"
  assert_preloaded "$pid" "nginx master (sendfile $mode)"
  # The workers (the processes that serve the data) too.
  has_workers() { [ "$(children_of "$pid" | wc -l)" -ge 2 ]; }
  wait_until 200 0.05 has_workers || fail "nginx has not started its 2 workers"
  workers=$(children_of "$pid")
  for w in $workers; do
    assert_preloaded "$w" "nginx worker (sendfile $mode)"
  done

  for proto in 4 6; do
    if [ "$proto" = 4 ]; then
      url="http://127.0.0.1:$port"
    else
      [ "$E2E_HAVE_V6" = 1 ] || { log "no ::1 here: IPv6 part skipped"; continue; }
      url="http://[::1]:$port"
    fi
    out="$T/out-$mode-v$proto"
    timeout 60 "$LXWSK" run -- curl -sS -f -g --noproxy '*' --max-time 50 \
      -o "$out.bin" "$url/data.bin" -o "$out.small" "$url/small.bin" \
      -w '%{http_code} %{size_download} %{num_connects}\n' \
      >"$out.w" 2>"$out.err" ||
      fail "curl $url/data.bin (sendfile $mode) failed: $(cat "$out.err")"
    log "curl v$proto sendfile $mode: $(tr '\n' ' ' <"$out.w")"
    same_sha "$T/www/data.bin" "$out.bin" "nginx sendfile $mode, IPv$proto, 50 MB"
    same_sha "$T/www/small.bin" "$out.small" "nginx sendfile $mode, IPv$proto, 2nd request"
    # Both transfers used one keep-alive connection (connection reuse works).
    [ "$(sed -n 2p "$out.w" | cut -d' ' -f3)" = 0 ] ||
      fail "curl opened a second connection for the 2nd request: $(cat "$out.w")"
  done
  # 8 parallel transfers of the small file on separate connections, and a
  # fetch by name (localhost: curl tries ::1 and 127.0.0.1, happy eyeballs
  # with non-blocking connects).
  local args=() i
  for ((i = 0; i < 8; i++)); do
    args+=(-o "$T/par-$mode-$i.bin" "http://127.0.0.1:$port/small.bin")
  done
  timeout 60 "$LXWSK" run -- curl -sS -f -g --noproxy '*' --max-time 50 \
    --parallel --parallel-max 8 "${args[@]}" 2>"$T/par-$mode.err" ||
    fail "parallel curl (sendfile $mode) failed: $(cat "$T/par-$mode.err")"
  for ((i = 0; i < 8; i++)); do
    same_sha "$T/www/small.bin" "$T/par-$mode-$i.bin" "nginx sendfile $mode, parallel transfer $i"
  done
  timeout 60 "$LXWSK" run -- curl -sS -f --noproxy '*' --max-time 50 \
    -o "$T/byname-$mode.bin" "http://localhost:$port/data.bin" 2>"$T/byname-$mode.err" ||
    fail "curl http://localhost:$port/ (sendfile $mode) failed: $(cat "$T/byname-$mode.err")"
  same_sha "$T/www/data.bin" "$T/byname-$mode.bin" "nginx sendfile $mode, by name (localhost), 50 MB"

  # The master and the workers are still alive and well.
  kill -0 "$pid" || fail "nginx master died"
  for w in $workers; do
    kill -0 "$w" 2>/dev/null || fail "nginx worker $w died"
  done
  if grep -E '\[(alert|crit|emerg)\]' "$T/nginx-$mode.log"; then
    fail "nginx logged alerts (sendfile $mode)"
  fi
  stop_bg "$pid" 10
}

run_nginx on
run_nginx off
log PASS
