#!/usr/bin/env bash
# Installs what building and testing Parley needs, and only what is missing, so running it again
# is quick. On Debian/Ubuntu it uses apt-get (through sudo when not root); elsewhere it says what
# to install. Then the frontend's npm packages (when node_modules is missing or package-lock.json
# changed) and the Go modules.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*"; }

# Debian packages:
#   libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config gcc  the desktop build (cgo, WebKitGTK 4.1)
#   chromium                                           the end-to-end tests (driven by playwright-core)
#   xvfb xauth x11-utils imagemagick                   the desktop smoke test (X server, xwininfo, screenshots)
#   fonts-dejavu-core                                  text in the window and the browser on a bare machine
#   curl git make ca-certificates                      the scripts themselves
apt_packages=(
	libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config gcc
	chromium
	xvfb xauth x11-utils imagemagick
	fonts-dejavu-core
	curl git make ca-certificates
)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

if command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; then
	missing=()
	for p in "${apt_packages[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		sudo=()
		if [ "$(id -u)" != 0 ]; then
			command -v sudo >/dev/null || { say "need root or sudo to install: ${missing[*]}"; exit 1; }
			sudo=(sudo)
		fi
		say "installing with apt-get: ${missing[*]}"
		"${sudo[@]}" apt-get update -q
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${missing[@]}"
	else
		say "system packages present"
	fi
else
	cat <<'EOF'
setup: this is not Debian/Ubuntu, so install these yourself:
  - Go 1.26 or newer          https://go.dev/dl/
  - Node.js 20+ and npm       https://nodejs.org/
  - for the desktop app: a C compiler and WebKit:
      Fedora:  sudo dnf install gcc pkgconf-pkg-config gtk3-devel webkit2gtk4.1-devel
      Arch:    sudo pacman -S base-devel gtk3 webkit2gtk-4.1
      macOS:   xcode-select --install   (WebKit is part of the system)
      Windows: the WebView2 runtime (part of Windows 11) and a gcc such as MSYS2's mingw-w64
  - for the end-to-end tests: Chromium
  - for the desktop smoke test (Linux): Xvfb, xwininfo (x11-utils) and ImageMagick
EOF
fi

for tool in go node npm; do
	command -v "$tool" >/dev/null || { say "$tool is not installed (see above, or your package manager)"; exit 1; }
done

# The frontend's packages: npm ci when node_modules is missing or the lock file changed since the
# last install (its hash is kept inside node_modules).
if [ -f frontend/package.json ]; then
	lock_hash=$(sha256sum frontend/package-lock.json 2>/dev/null | cut -d' ' -f1 || true)
	stamp=frontend/node_modules/.parley-lock-hash
	if [ ! -d frontend/node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
		if [ -f frontend/package-lock.json ]; then
			say "npm ci in frontend/"
			(cd frontend && npm ci --no-audit --no-fund)
		else
			say "npm install in frontend/ (no package-lock.json yet)"
			(cd frontend && npm install --no-audit --no-fund)
			lock_hash=$(sha256sum frontend/package-lock.json | cut -d' ' -f1)
		fi
		echo "$lock_hash" >"$stamp"
	else
		say "frontend packages present"
	fi
fi

go mod download
say "done"
