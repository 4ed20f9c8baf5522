#!/bin/sh
# make bench: number lookups (10 vs 1,000,000 entries), the load time of a
# 1,000,000-number list file, --calls over a journal of 1,000,000 calls (time and peak
# memory, beside wc -l reading the same), --notify over 10,000 journalled calls (the
# alerts' delay, its memory and state file: bench/notify.py), the cost of signature =
# require (one RSA-4096
# verification, and a request through the core with and without it), then ONE table from ONE run: wrk through a real nginx
# on 127.0.0.1 against
#   - nginx answering the XML by itself (the ceiling);
#   - a bare libfcgi responder (bench/floor.c), 1 process and 4 processes on one
#     socket (the floor: what any FastCGI program costs behind nginx);
#   - callrouter with the sample rules, with 1,000 rules where the last matches, and
#     with a 1,000,000-number list, each without keep-alive (fastcgi_pass to the unix
#     socket, a new connection per request) and with keep-alive (an upstream with
#     `keepalive 32` and `fastcgi_keep_conn on`);
#   - the same rules in PHP (bench/lookup.php, PHP-FPM, 2 workers) without and with
#     keep-alive, and in Node.js (bench/lookup.js, its http module, 2 workers) with
#     keep-alive (HTTP/1.1 to an upstream with `keepalive 32`);
#   - CGI, a process per request (fcgiwrap, 4 processes): the bare C CGI
#     (bench/cgi-floor.c), callrouter (make) and callrouter-static;
# and the CGI programs without a web server (bench/cgi.sh), taking turns.
# Everything runs in a temporary folder and is stopped by the PIDs started here,
# also on failure or Ctrl-C. The table is printed and written to BUILD_DIR/bench.md.
# Ratios matter; absolute figures depend on the machine and on what else runs on it.
# usage: bench/run.sh BUILD_DIR [SECONDS]
set -eu
build=$1 secs=${2:-10}
conns=64
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/callrouter
floor=$build/bench-floor
bdir=$(cd "$build" && pwd)
threads=$(nproc)
body="from=492111234567&to=4915791234567&direction=in"   # the seed's POST (bench/post.lua)
dir=$(mktemp -d "${TMPDIR:-/tmp}/callrouter-bench.XXXXXX")
started=$(date +%s)
load=$(cut -d ' ' -f 1-3 /proc/loadavg)   # other work on the machine makes the figures noisy

# Stopping: nginx first (it holds the connections), then callrouter and the floor.
pids=""      # our own children: waited for
alive() {    # a process that exists and is not a zombie
    s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    case $s in Z*) return 1 ;; esac
}
stop() {
    kill "$1" 2>/dev/null || return 0
    i=0
    while alive "$1" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    kill -9 "$1" 2>/dev/null || true
}
cleanup() {
    trap - EXIT INT TERM
    [ -f "$dir/nginx.pid.started" ] && stop "$(cat "$dir/nginx.pid.started")"
    for p in $pids; do stop "$p"; done
    for f in "$dir"/floor*.pid "$dir"/fcgiwrap.pid; do   # spawn-fcgi's children are not ours
        [ -f "$f" ] || continue
        for p in $(cat "$f"); do stop "$p"; done
    done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "bench: $*" >&2; exit 1; }

# Waits until a unix socket exists (its process still running), at most 60 s.
wait_socket() {
    i=0
    while [ ! -S "$1" ]; do
        alive "$2" || { cat "$3" >&2 2>/dev/null; fail "$1: the process ended before listening"; }
        [ $i -lt 1200 ] || fail "$1: no socket after 60 s"
        sleep 0.05; i=$((i + 1))
    done
}

echo "== number lookups"
"$build/bench-lookup" | tee "$dir/lookup.out"

echo
echo "== signature = require: a verification, and a request through the core"
"$build/bench-signature" "$root/tests/signature/signed-body.txt" "$root/tests/signature/signed-body.sig" |
    tee "$dir/signature.out"

echo
echo "== calendars: 10,000 events loaded (bench/calendar.cpp), at() and between()"
"$build/bench-calendar" | tee "$dir/calendar.out"

echo
echo "== loading a list file of 1,000,000 numbers"
python3 -c "
import random
random.seed(1)
seen = {'492111234567'}                   # the seed's caller stays out of the list
with open('$dir/big.txt', 'w') as f:
    while len(seen) < 1000001:
        x = '49%d' % random.randrange(10**9, 10**12)
        if x not in seen:
            seen.add(x); f.write(x + '\n')
"
settings='[settings]\ncountry_code = 49\ntimezone = Europe/Berlin\nmax_body = 8192\nlog = info\n\n'
printf "$settings"'[list big]\nfile = big.txt\n\n[rule blocked]\ndirection = in\nfrom = @big\naction = reject\n\n[rule office]\ndirection = in\nto = 4915791234567\naction = dial 4921112345601\n' > "$dir/big.ini"
for i in 1 2 3; do "$bin" --config "$dir/big.ini" --check; done 2>&1 | sed "s|$dir/||" | tee "$dir/load.out"

echo
echo "== --calls over a year of a busy office: 1,000,000 calls (newCall, answer for 7 in 10, hangup)"
python3 -c "
import time
t0 = 1767225600  # 2026-01-01T00:00:00Z; a call every 31.5 s for a year
def stamp(t): return '%04d-%02d-%02dT%02d:%02d:%02dZ' % time.gmtime(t)[:6]
with open('$dir/year.jsonl', 'w') as f:
    for i in range(1000000):
        t = t0 + i * 63 // 2
        f.write('{\"time\":\"%s\",\"event\":\"newCall\",\"callId\":\"c%d\",\"direction\":\"in\",\"from\":\"49211%07d\",'
                '\"to\":\"4921112345\",\"rule\":\"office\",\"action\":\"dial 4921112345601 4921112345602\"}\n' % (stamp(t), i, i))
        if i % 10 < 7:
            f.write('{\"time\":\"%s\",\"event\":\"answer\",\"callId\":\"c%d\",\"user\":\"Bob\",'
                    '\"answeringNumber\":\"4921112345601\"}\n' % (stamp(t + 9), i))
        f.write('{\"time\":\"%s\",\"event\":\"hangup\",\"callId\":\"c%d\",\"cause\":\"normalClearing\"}\n' % (stamp(t + 95), i))
"
printf "$settings"'public_url = https://example.com/cr\njournal = year.jsonl\n\n[rule office]\naction = voicemail\n' > "$dir/year.ini"
echo "  journal: $(wc -l < "$dir/year.jsonl") lines, $(($(stat -c %s "$dir/year.jsonl") >> 20)) MiB"
/usr/bin/time -f "%e %M" -o "$dir/wc.time" wc -l "$dir/year.jsonl" >/dev/null
/usr/bin/time -f "%e %M" -o "$dir/calls.time" "$bin" --config "$dir/year.ini" --calls --since 2026-01-01 >"$dir/calls.out"
awk -v wc="$(cat "$dir/wc.time")" -v rows="$(($(wc -l < "$dir/calls.out") - 2))" '{
    split(wc, w, " ")
    printf "  callrouter --calls: %d rows in %.2f s, %.1f MiB peak; wc -l reads the same in %.2f s (ratio %.0f)\n",
           rows, $1, $2 / 1024, w[1], (w[1] > 0 ? $1 / w[1] : 0)
}' "$dir/calls.time" | tee "$dir/calls.bench"

echo
echo "== --notify over 10,000 journalled calls (bench/notify.py): the delay from the hangup to the webhook, memory"
python3 "$root/bench/notify.py" "$bin" "$dir/notify" | tee "$dir/notify.bench"

# 1,000 rules: 999 that the seed request does not match, then the one it does.
{
    printf "$settings"
    i=1
    while [ $i -lt 1000 ]; do
        printf '[rule r%04d]\ndirection = in\nto = 49301%07d\naction = reject busy\n\n' $i $i
        i=$((i + 1))
    done
    printf '[rule r1000]\ndirection = in\nto = 4915791234567\naction = dial 4921112345601\n'
} > "$dir/rules1000.ini"
"$bin" --config "$dir/rules1000.ini" --check >/dev/null 2>&1 || fail "the 1,000 rules do not load"

echo
echo "== CGI without a web server: a process per request"
"$root/bench/cgi.sh" "$build" 300 | tee "$dir/cgi.out"

echo
echo "== wrk through nginx: $conns connections, ${secs}s each; callrouter --threads $threads"

xml=$("$bin" --config "$root/etc/callrouter.ini" --test "$body" 2>/dev/null | tr -d '\n')
case $xml in *\'*) fail "the sample answer holds a quote" ;; esac

# The floor: one process, and four on one socket (spawn-fcgi writes each child's PID).
for n in 1 4; do
    spawn-fcgi -s "$dir/floor$n.sock" -F $n -P "$dir/floor$n.pid" -- "$floor" "$xml" 2>"$dir/floor$n.log" >&2 ||
        { cat "$dir/floor$n.log" >&2; fail "spawn-fcgi did not start the floor"; }
done

# callrouter: one process per rule set, each on its own socket.
for name in sample rules1000 big; do
    case $name in sample) ini=$root/etc/callrouter.ini ;; *) ini=$dir/$name.ini ;; esac
    "$bin" --config "$ini" --listen "unix:$dir/$name.sock" --threads "$threads" 2>"$dir/$name.log" &
    pid=$!
    pids="$pids $pid"
    wait_socket "$dir/$name.sock" "$pid" "$dir/$name.log"
done

# PHP-FPM with a config of its own, 2 workers (pm = static), in the foreground.
user_lines=""
[ "$(id -u)" -eq 0 ] && user_lines="user = $(id -un)
group = $(id -gn)"
cat > "$dir/php-fpm.conf" <<EOF
[global]
pid = $dir/php-fpm.pid
error_log = $dir/php-fpm.log
daemonize = no
[bench]
$user_lines
listen = $dir/php.sock
pm = static
pm.max_children = 2
EOF
fpm=$(command -v php-fpm8.2 || command -v php-fpm) || fail "no php-fpm (make deps installs php8.2-fpm)"
"$fpm" -R -y "$dir/php-fpm.conf" 2>"$dir/php-fpm.err" &
pid=$!
pids="$pids $pid"
wait_socket "$dir/php.sock" "$pid" "$dir/php-fpm.err"

# Node.js, 2 workers (the cluster module) on one unix socket.
command -v node >/dev/null || fail "no node (make deps installs nodejs)"
node "$root/bench/lookup.js" "$dir/node.sock" 2 2>"$dir/node.log" &
pid=$!
pids="$pids $pid"
wait_socket "$dir/node.sock" "$pid" "$dir/node.log"

# CGI: fcgiwrap, 4 processes on one socket, starts the program nginx names per request.
spawn-fcgi -s "$dir/fcgiwrap.sock" -F 4 -P "$dir/fcgiwrap.pid" -- "$(command -v fcgiwrap || echo /usr/sbin/fcgiwrap)" \
    2>"$dir/fcgiwrap.log" >&2 || { cat "$dir/fcgiwrap.log" >&2; fail "spawn-fcgi did not start fcgiwrap"; }

# The snippet as shipped (keep_conn on) for the keep-alive rows, and a copy with
# keep_conn off for the others.
snippet=$root/nginx/callrouter-fastcgi.conf
grep -q '^fastcgi_keep_conn on;' "$snippet" || fail "$snippet: no 'fastcgi_keep_conn on;' line"
sed 's/^fastcgi_keep_conn on;/fastcgi_keep_conn off;/' "$snippet" > "$dir/fastcgi-nka.conf"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
user=""
[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
cat > "$dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
$user
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/client_body;
    fastcgi_temp_path $dir/fastcgi;
    proxy_temp_path $dir/proxy;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    upstream sample_ka    { server unix:$dir/sample.sock;    keepalive 32; }
    upstream rules1000_ka { server unix:$dir/rules1000.sock; keepalive 32; }
    upstream big_ka       { server unix:$dir/big.sock;       keepalive 32; }
    upstream php_ka       { server unix:$dir/php.sock;       keepalive 32; }
    upstream node_ka      { server unix:$dir/node.sock;      keepalive 32; }
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        location = /static       { default_type application/xml; return 200 '$xml'; }
        location = /floor1       { fastcgi_pass unix:$dir/floor1.sock;    include $dir/fastcgi-nka.conf; }
        location = /floor4       { fastcgi_pass unix:$dir/floor4.sock;    include $dir/fastcgi-nka.conf; }
        location = /sample       { fastcgi_pass unix:$dir/sample.sock;    include $dir/fastcgi-nka.conf; }
        location = /rules1000    { fastcgi_pass unix:$dir/rules1000.sock; include $dir/fastcgi-nka.conf; }
        location = /big          { fastcgi_pass unix:$dir/big.sock;       include $dir/fastcgi-nka.conf; }
        location = /sample-ka    { fastcgi_pass sample_ka;    include $snippet; }
        location = /rules1000-ka { fastcgi_pass rules1000_ka; include $snippet; }
        location = /big-ka       { fastcgi_pass big_ka;       include $snippet; }
        location = /php          { fastcgi_pass unix:$dir/php.sock; include $dir/fastcgi-nka.conf;
                                   fastcgi_param SCRIPT_FILENAME $root/bench/lookup.php; }
        location = /php-ka       { fastcgi_pass php_ka; include $snippet;
                                   fastcgi_param SCRIPT_FILENAME $root/bench/lookup.php; }
        location = /node-ka      { proxy_pass http://node_ka; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location = /cgi-floor    { fastcgi_pass unix:$dir/fcgiwrap.sock; include $dir/fastcgi-nka.conf;
                                   fastcgi_param SCRIPT_FILENAME $bdir/bench-cgi-floor; }
        location = /cgi-dynamic  { fastcgi_pass unix:$dir/fcgiwrap.sock; include $dir/fastcgi-nka.conf;
                                   fastcgi_param SCRIPT_FILENAME $bdir/callrouter;
                                   fastcgi_param CALLROUTER_CONFIG $root/etc/callrouter.ini; }
        location = /cgi-static   { fastcgi_pass unix:$dir/fcgiwrap.sock; include $dir/fastcgi-nka.conf;
                                   fastcgi_param SCRIPT_FILENAME $bdir/callrouter-static;
                                   fastcgi_param CALLROUTER_CONFIG $root/etc/callrouter.ini; }
    }
}
EOF
nginx -e "$dir/nginx-error.log" -p "$dir" -c "$dir/nginx.conf" 2>>"$dir/nginx-error.log" &
echo $! > "$dir/nginx.pid.started"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/static"; do
    alive "$(cat "$dir/nginx.pid.started")" || { cat "$dir/nginx-error.log" >&2; fail "nginx did not start"; }
    [ $i -lt 200 ] || fail "nginx does not answer after 10 s"
    sleep 0.05; i=$((i + 1))
done

# One wrk run; its figures go to $dir/results (tab-separated).
: > "$dir/results"
run() {  # KEY LABEL
    url="http://127.0.0.1:$port/$1"
    code=$(curl -s -o "$dir/$1.answer" -w '%{http_code}' --max-time 10 --data "$body" "$url" || true)
    grep -q '<Response' "$dir/$1.answer" 2>/dev/null ||
        echo "warning: /$1 answered $code before the run: $(head -c 200 "$dir/$1.answer" 2>/dev/null)" >&2
    case $1 in    # the other programs must answer as callrouter does with the sample rules
        php* | node* | cgi-dynamic | cgi-static)
            cmp -s "$dir/$1.answer" "$dir/sample.answer" ||
                echo "warning: /$1 answers otherwise than /sample: $(head -c 300 "$dir/$1.answer" 2>/dev/null)" >&2 ;;
    esac
    for p in $(cat "$dir/nginx.pid.started") $pids; do
        alive "$p" || fail "process $p (nginx or callrouter) is gone: $(tail -n 3 "$dir/nginx-error.log")"
    done
    before=$(wc -l < "$dir/nginx-error.log")
    wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$root/bench/post.lua" "$url" > "$dir/$1.wrk" 2>&1 &&
        grep -q 'Requests/sec' "$dir/$1.wrk" || fail "wrk failed on /$1: $(tail -n 3 "$dir/$1.wrk")"
    tail -n +"$((before + 1))" "$dir/nginx-error.log" > "$dir/$1.nginx"
    awk -v key="$1" -v label="$2" '
        function ms(v,   n) {   # wrk prints 640.00us, 5.70ms or 1.02s
            n = v + 0
            if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; else if (v ~ /m$/) n *= 60000
            return sprintf("%.2f ms", n)
        }
        /Requests\/sec/           { rps = $2 }
        $1 == "50%"               { p50 = ms($2) }
        $1 == "99%"               { p99 = ms($2) }
        /requests in/             { total = $1 }
        /Non-2xx or 3xx/          { non2xx = $NF }
        /Socket errors/           { gsub(",", ""); sock = $4 + $6 + $8 + $10; detail = $3 " " $4 ", " $5 " " $6 ", " $7 " " $8 ", " $9 " " $10 }
        END { printf "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", key, label, rps + 0, p50 ? p50 : "-", p99 ? p99 : "-",
                     non2xx + 0, sock + 0, total + 0, detail ? detail : "none" }
    ' "$dir/$1.wrk" >> "$dir/results"
    awk -F '\t' 'END { printf "  %-46s %7.0f req/s  p50 %-9s  p99 %-9s  errors %d\n", $2, $3, $4, $5, $6 + $7 }' "$dir/results"
}

run static       "nginx alone (return 200, the same XML)"
run floor1       "floor: bare libfcgi responder, 1 process"
run floor4       "floor: bare libfcgi responder, 4 processes"
run sample       "callrouter, sample rules"
run sample-ka    "callrouter, sample rules, keep-alive"
run rules1000    "callrouter, 1,000 rules, the last matches"
run rules1000-ka "callrouter, 1,000 rules, keep-alive"
run big          "callrouter, 1,000,000-number list"
run big-ka       "callrouter, 1,000,000-number list, keep-alive"
run php          "PHP-FPM, 2 workers, the same rules (bench/lookup.php)"
run php-ka       "PHP-FPM, 2 workers, keep-alive"
run node-ka      "Node.js http, 2 workers, keep-alive (bench/lookup.js)"
run cgi-floor    "CGI: bare C CGI (fcgiwrap, 4 processes)"
run cgi-dynamic  "CGI: callrouter (make)"
run cgi-static   "CGI: callrouter-static (make static)"

# Which engine answered: the start line of callrouter's log says.
if grep -q 'event loops' "$dir/sample.log"; then engine="its own FastCGI engine (event loops)"
elif grep -q 'with [0-9]* threads' "$dir/sample.log"; then engine="the OLD libfcgi engine (a thread per connection)"
else engine="unknown engine ($(head -n 1 "$dir/sample.log"))"
fi

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
if [ -n "${MAKELEVEL:-}" ]; then command="make bench SECONDS=$secs"; else command="bench/run.sh $build $secs"; fi
cpu=$(awk -F ': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
nginx_version=$(nginx -v 2>&1 | sed 's|.*nginx/||')

{
    echo "### make bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- command: \`$command\`, commit $commit"
    echo "- machine: $(nproc) cores (nproc), ${cpu:-unknown CPU}, Linux $(uname -r); wrk, nginx and the FastCGI programs share these cores; load average at the start: $load"
    echo "- load: wrk -t2 -c$conns -d${secs}s --latency, each request a POST of the seed body (${#body} bytes), to nginx $nginx_version (1 worker) on 127.0.0.1"
    echo "- callrouter: --threads $threads (the core count), $engine; keep-alive = nginx \`upstream { keepalive 32; }\` + \`fastcgi_keep_conn on\`, else a new unix-socket connection per request"
    echo "- PHP-FPM $("$fpm" -v | awk 'NR == 1 { print $2 }') (pm = static, 2 workers, opcache as Debian ships it) and Node.js $(node --version) (2 workers, cluster module; nginx keeps HTTP/1.1 connections to it, \`keepalive 32\`) answer the seed request from the sample rules written out in their language, without the public holidays, the log line and the checks of the head"
    echo "- CGI: nginx → fcgiwrap (4 processes, spawn-fcgi) → a process per request; callrouter (make) links $(sed -n 's/^EMBED *?= *//p' "$root/Makefile" | sed 's/ /, /g') in itself (EMBED), callrouter-static every library, the C library too (no dynamic loader)"
    echo "- errors: non-2xx answers + socket errors (connect, read, write, timeout) as wrk counts them; ratio: requests/s over the floor with 4 processes; for the CGI rows also the time per request over the bare C CGI's (its requests/s over the row's)"
    echo
    awk -F '\t' '
        function commas(n,   s) { s = sprintf("%.0f", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
        { key[NR] = $1; label[NR] = $2; rps[NR] = $3; p50[NR] = $4; p99[NR] = $5; err[NR] = $6 + $7
          if ($1 == "floor4") floor = $3; if ($1 == "cgi-floor") cgi = $3 }
        END {
            print "| setup | requests/s | p50 | p99 | errors | ratio to floor ×4 | CGI: time per request / bare C CGI |"
            print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
            for (i = 1; i <= NR; i++)
                printf "| %s | %s | %s | %s | %s | %s | %s |\n", label[i], commas(rps[i]), p50[i], p99[i], commas(err[i]),
                       (floor > 0 ? sprintf("%.2f", rps[i] / floor) : "-"),
                       (key[i] ~ /^cgi-/ && rps[i] > 0 ? sprintf("%.2f", cgi / rps[i]) : "")
        }' "$dir/results"
    # Where there were errors: what wrk and nginx said.
    awk -F '\t' '$6 + $7 > 0 { print $1 "\t" $2 "\t" $6 "\t" $8 "\t" $9 }' "$dir/results" | while IFS='	' read -r key label non2xx total detail; do
        [ -n "${notes:-}" ] || { echo; echo "Errors:"; notes=1; }
        echo "- $label: $non2xx non-2xx of $total answered; socket errors: $detail"
        sed -e 's/^[0-9/]* [0-9:]* \[[a-z]*\] [0-9#]*: \(\*[0-9]* \)\{0,1\}//' -e 's/, client:.*//' "$dir/$key.nginx" |
            sort | uniq -c | sort -rn | head -n 3 | sed 's/^ *\([0-9]*\) \(.*\)/  - nginx error log: `\2` (×\1)/'
    done
    echo
    echo "CGI without a web server, the same run (bench/cgi.sh: fork, exec, the body on stdin, the answer read; ms per request; ratio: the median over the bare C CGI's):"
    echo
    echo '```'
    cat "$dir/cgi.out"
    echo '```'
    echo
    echo "Number lookups, list load, the cost of signature = require and of a calendar, of the same run:"
    echo
    echo '```'
    cat "$dir/lookup.out" "$dir/load.out" "$dir/signature.out" "$dir/calendar.out"
    echo '```'
    echo
    echo "--notify over 10,000 journalled calls, each told by mail and webhook, of the same run:"
    echo
    echo '```'
    cat "$dir/notify.bench"
    echo '```'
} > "$dir/bench.md"
cp "$dir/bench.md" "$build/bench.md"

echo
cat "$dir/bench.md"
echo
echo "(also in $build/bench.md; $(($(date +%s) - started)) s in all)"
