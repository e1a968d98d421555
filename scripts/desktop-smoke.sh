#!/usr/bin/env bash
# Desktop smoke test: start the desktop build under Xvfb on a throwaway data dir, wait for the
# "Parley" window, screenshot it and check it is not blank, and check the side HTTP listener
# answers /healthz, that `parley doctor` reaches the running app and that a second instance on the
# same data dir is refused.
#
#   scripts/desktop-smoke.sh [BINARY]     (default build/bin/parley)
#
# The screenshot is kept in build/desktop-smoke.png for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-build/bin/parley}
shot=build/desktop-smoke.png
timeout_s=${SMOKE_TIMEOUT:-90}

for tool in Xvfb xwininfo import convert curl; do
	command -v "$tool" >/dev/null || { echo "desktop-smoke: $tool is missing (run scripts/setup.sh)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "desktop-smoke: $bin not built (make build-desktop)" >&2; exit 1; }

work=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
	[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "desktop-smoke: FAIL: $*" >&2
	echo "--- app log ---" >&2
	cat "$work/app.log" >&2 || true
	exit 1
}

# A free display number: the first without a lock file.
display=99
while [ -e "/tmp/.X${display}-lock" ] || [ -e "/tmp/.X11-unix/X${display}" ]; do
	display=$((display + 1))
done
Xvfb ":$display" -screen 0 1440x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=":$display"
for _ in $(seq 50); do
	xwininfo -root >/dev/null 2>&1 && break
	sleep 0.1
done
xwininfo -root >/dev/null 2>&1 || fail "Xvfb did not start on $DISPLAY: $(cat "$work/xvfb.log")"

# A free port: one nobody answers on.
port=""
for _ in $(seq 50); do
	candidate=$((20000 + RANDOM % 20000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
		port=$candidate
		break
	fi
done
[ -n "$port" ] || fail "no free port found"

# WebKitGTK under Xvfb (no GPU) and as root (CI) needs compositing and its sandbox off.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
export WEBKIT_DISABLE_DMABUF_RENDERER=1
export LIBGL_ALWAYS_SOFTWARE=1
if [ "$(id -u)" = 0 ]; then
	export WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1
fi
export PARLEY_DATA="$work/data"
export PARLEY_ADDR="127.0.0.1:$port"
export PARLEY_BACKUP_SCHEDULE=off

alive() { kill -0 "$app_pid" 2>/dev/null; }

# start_window starts the desktop app and waits for its window named Parley.
start_window() {
	"$bin" >"$work/app.log" 2>&1 &
	app_pid=$!
	echo "desktop-smoke: started $bin (pid $app_pid) on $DISPLAY, data $PARLEY_DATA, http $PARLEY_ADDR"
	deadline=$((SECONDS + timeout_s))
	until xwininfo -root -tree 2>/dev/null | grep -q '"Parley"'; do
		alive || fail "the app exited before its window appeared"
		[ "$SECONDS" -lt "$deadline" ] || fail "no window named Parley after ${timeout_s}s"
		sleep 0.5
	done
	echo "desktop-smoke: window is up"
}

# stop_window sends SIGTERM and checks the app stops cleanly and releases the data dir.
stop_window() {
	kill -TERM "$app_pid"
	for _ in $(seq 100); do
		alive || break
		sleep 0.1
	done
	alive && fail "the app did not stop within 10s of SIGTERM"
	local status=0
	wait "$app_pid" || status=$?
	app_pid=""
	[ "$status" = 0 ] || fail "the app exited with status $status after SIGTERM"
	echo "desktop-smoke: stopped cleanly"
}

# 1. The window, on a new data dir (it shows the first-run setup).
start_window

# 2. The side HTTP listener.
until curl -fsS "http://$PARLEY_ADDR/healthz" >"$work/healthz" 2>/dev/null; do
	alive || fail "the app exited before /healthz answered"
	[ "$SECONDS" -lt "$deadline" ] || fail "/healthz did not answer on $PARLEY_ADDR"
	sleep 0.5
done
echo "desktop-smoke: /healthz answered $(cat "$work/healthz")"

# 3. The CLI reaches the running window's app through instance.json and the control endpoints.
"$bin" doctor >"$work/doctor.txt" 2>&1 || fail "parley doctor failed while the app runs: $(cat "$work/doctor.txt")"
grep -q "Running *yes, pid $app_pid" "$work/doctor.txt" || fail "parley doctor did not reach the running app: $(cat "$work/doctor.txt")"
echo "desktop-smoke: parley doctor reached the running app"

# 4. A painted window: wait until the screenshot has real content (the web view paints after the
# window maps; a blank or single-colour screen has only a handful of colours).
mkdir -p build
colours=0
while :; do
	import -window root "$work/shot.png" 2>/dev/null || true
	colours=$(convert "$work/shot.png" -format %k info: 2>/dev/null || echo 0)
	[ "$colours" -gt 10 ] && break
	alive || fail "the app exited before painting"
	[ "$SECONDS" -lt "$deadline" ] || fail "the window is still blank after ${timeout_s}s ($colours colours)"
	sleep 1
done
# Let the UI settle (fonts, first route), then take the picture that is kept.
sleep 2
import -window root "$shot"
colours=$(convert "$shot" -format %k info:)
[ "$colours" -gt 10 ] || fail "the final screenshot is blank ($colours colours)"
echo "desktop-smoke: screenshot $shot has $colours colours"

# 5. A second instance on the same data dir is refused, quickly and with the reason.
second_start=$SECONDS
if "$bin" serve --addr "127.0.0.1:$((port + 1))" >"$work/second.log" 2>&1; then
	fail "a second instance on the same data dir started"
fi
grep -q "data dir is in use" "$work/second.log" || fail "second instance said: $(cat "$work/second.log")"
[ $((SECONDS - second_start)) -le 5 ] || fail "second instance took $((SECONDS - second_start))s to give up"
echo "desktop-smoke: second instance refused: $(tail -1 "$work/second.log")"

# 6. The window closes cleanly on SIGTERM and releases the data dir.
stop_window

# 7. Once an owner exists, the window signs them in without a password: fill the demo account,
# start again, and wait for the desktop sign-in to show in the account's audit log.
"$bin" demo >"$work/demo.log" 2>&1 || fail "parley demo failed: $(cat "$work/demo.log")"
start_window
api="http://$PARLEY_ADDR/api/v1"
token=""
until [ -n "$token" ]; do
	token=$(curl -fsS -H 'Content-Type: application/json' -d '{"email":"demo@parley.local","password":"parley-demo"}' "$api/auth/login" 2>/dev/null |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p') || true
	alive || fail "the app exited before its API answered"
	[ "$SECONDS" -lt "$deadline" ] || fail "could not sign in to the API as the demo owner"
	[ -n "$token" ] || sleep 0.5
done
until curl -fsS -H "Authorization: Bearer $token" "$api/accounts/1/audit_logs?action=auth.login" 2>/dev/null | grep -q '"detail":"desktop window"'; do
	alive || fail "the app exited before the window signed in"
	[ "$SECONDS" -lt "$deadline" ] || fail "the window did not sign the owner in within ${timeout_s}s"
	sleep 0.5
done
echo "desktop-smoke: the window signed the owner in without a password"
sleep 3 # let the signed-in shell paint
import -window root build/desktop-smoke-signed-in.png
colours=$(convert build/desktop-smoke-signed-in.png -format %k info:)
[ "$colours" -gt 10 ] || fail "the signed-in window is blank ($colours colours)"
echo "desktop-smoke: screenshot build/desktop-smoke-signed-in.png has $colours colours"
stop_window
echo "desktop-smoke: PASS"
