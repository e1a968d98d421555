# Parley's build. The two commands a newcomer needs: `make run` and `make test`.
# Nothing here needs the Wails CLI: the desktop app is a plain `go build` with build tags.

GO       ?= go
NPM      ?= npm
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := build/bin
# desktop: the Wails shell; production: no dev tools; webkit2_41: WebKitGTK 4.1, without which
# every request reaches the handler as a body-less GET.
DESKTOP_TAGS := desktop,production,webkit2_41
# The Go packages, never walking frontend/node_modules (some npm packages ship .go files).
GO_PKGS   = $(shell $(GO) list ./... | grep -v /frontend/)
ARGS     ?=

.PHONY: help setup run serve build build-desktop build-server bin-desktop bin-server frontend \
	test test-go test-frontend test-e2e test-desktop smoke-desktop bench bench-go api-types icon clean

help:
	@echo "make run           set up, build and open the desktop app (data: ~/.local/share/parley)"
	@echo "make test          set up and run every test: Go, frontend, end-to-end, desktop smoke"
	@echo "make serve         set up, build and run the server (ARGS='--addr 0.0.0.0:8725' to pass flags)"
	@echo "make build         build/bin/parley (desktop) and build/bin/parley-server (headless)"
	@echo "make build-server  only the headless server binary"
	@echo "make frontend      build the UI into frontend/dist"
	@echo "make bench         parley bench: 1M messages measured through the API (ARGS='--messages 100000')"
	@echo "make bench-go      Go benchmarks of the hot paths (storage, search, app)"
	@echo "make api-types     after an API change: refresh the OpenAPI copy and the UI's generated types"
	@echo "make setup         install what is missing (apt on Debian/Ubuntu, npm, Go modules)"

setup:
	@scripts/setup.sh

run: setup build-desktop
	$(BIN)/parley $(ARGS)

serve: setup build-server
	$(BIN)/parley-server serve $(ARGS)

build: build-desktop build-server

frontend:
	cd frontend && $(NPM) run build

build-desktop: frontend
	@$(MAKE) --no-print-directory bin-desktop

build-server: frontend
	@$(MAKE) --no-print-directory bin-server

# The binaries alone, over whatever frontend/dist holds.
bin-desktop:
	CGO_ENABLED=1 $(GO) build -tags $(DESKTOP_TAGS) -ldflags "$(LDFLAGS)" -o $(BIN)/parley .

bin-server:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/parley-server .

# Each step runs in order and the first failure stops the run.
test: setup
	@$(MAKE) --no-print-directory frontend
	@$(MAKE) --no-print-directory test-go
	@$(MAKE) --no-print-directory test-frontend
	@$(MAKE) --no-print-directory bin-server
	@$(MAKE) --no-print-directory test-e2e
	@$(MAKE) --no-print-directory bin-desktop
	@$(MAKE) --no-print-directory smoke-desktop

test-go:
	$(GO) vet $(GO_PKGS)
	CGO_ENABLED=1 $(GO) vet -tags $(DESKTOP_TAGS) . ./app/desktop
	CGO_ENABLED=0 $(GO) test $(GO_PKGS)

test-frontend:
	cd frontend && $(NPM) run typecheck && $(NPM) test

test-e2e:
	cd frontend && PARLEY_BIN=$(CURDIR)/$(BIN)/parley-server $(NPM) run e2e

test-desktop: build-desktop
	@$(MAKE) --no-print-directory smoke-desktop

smoke-desktop:
	scripts/desktop-smoke.sh $(BIN)/parley

bench: setup build-server
	$(BIN)/parley-server bench --out build/bench.json $(ARGS)

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./storage/... ./app/...

# After changing the API: refresh the committed OpenAPI document and the UI's types generated
# from it (tests fail while either is stale).
api-types:
	PARLEY_UPDATE_OPENAPI=1 $(GO) test -count=1 -run '^TestOpenAPIDocumentIsCommitted$$' ./app/api
	cd frontend && $(NPM) run gen:api

# Re-draw the application icon (build/appicon.png) from scripts/appicon.
icon:
	$(GO) run ./scripts/appicon build/appicon.png

clean:
	rm -rf $(BIN) build/desktop-smoke.png build/desktop-smoke-signed-in.png
