# Denglu: `make run` serves the app on SQLite with the provider simulator; `make test` runs
# every check. The site is built the way cargo-leptos builds it, with plain cargo and a
# wasm-bindgen-cli pinned to the wasm-bindgen version in Cargo.lock.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/[^0-9.]/, ""); print}' Cargo.lock)
export CARGO_TARGET_DIR ?= $(CURDIR)/target
SITE_ROOT := $(CURDIR)/target/site
PKG_DIR := $(SITE_ROOT)/pkg
# `make run PROFILE=release` for an optimised build; tests use the debug profile.
PROFILE ?= debug
ifeq ($(PROFILE),release)
  SERVER_FLAGS := --release
  WASM_FLAGS := --profile wasm-release
  WASM_OUT := wasm-release
  # Function names are over half of the release file and only debuggers read them.
  BINDGEN_FLAGS := --remove-name-section --remove-producers-section
else
  SERVER_FLAGS :=
  WASM_FLAGS :=
  WASM_OUT := debug
  BINDGEN_FLAGS :=
endif
SERVER_BIN := $(CARGO_TARGET_DIR)/$(if $(filter release,$(PROFILE)),release,debug)/denglu

RUN_ENV := LEPTOS_SITE_ROOT=$(SITE_ROOT) LEPTOS_SITE_PKG_DIR=pkg

.PHONY: help tools site server run test fmt-check module-cycles clippy test-rust test-postgres e2e e2e-deps django-site bench bench-pages clean-site wasm-size screenshots

help:
	@echo "make run        build and serve Denglu on SQLite with simulated providers"
	@echo "make test       formatting, clippy, unit and integration tests (SQLite and PostgreSQL), end-to-end tests"
	@echo "make e2e        only the Playwright end-to-end tests"
	@echo "make bench      simulator throughput; waiting QR pages per instance and confirm latency;"
	@echo "                OpenID Connect sign-ins per second and server CPU per token request;"
	@echo "                returning QQ sign-ins per second and server CPU per sign-in;"
	@echo "                page weight and time to interactive on a throttled phone (bench-pages)"
	@echo "make wasm-size  release build of the browser bundles and their compressed sizes"
	@echo "make screenshots  the README's screenshots, from the browser tests (docs/screenshots)"

## Tools: the wasm target and the wasm-bindgen CLI matching Cargo.lock, installed when missing.
tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $(WASM_BINDGEN_VERSION)"; then \
		echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 2 minutes, once)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi

## The browser bundles, stylesheet and static files, in target/site as cargo-leptos lays them
## out. Two bundles of islands: `denglu-signin` (the sign-in pages' islands: feature `browser`)
## and `denglu` (every island: feature `hydrate`); a page loads the lighter one when it can.
site: tools
	@mkdir -p $(PKG_DIR)
	cargo build --lib --target wasm32-unknown-unknown --no-default-features --features browser $(WASM_FLAGS)
	wasm-bindgen --target web --no-typescript $(BINDGEN_FLAGS) --out-dir $(PKG_DIR) --out-name denglu-signin \
		$(CARGO_TARGET_DIR)/wasm32-unknown-unknown/$(WASM_OUT)/denglu.wasm
	cargo build --lib --target wasm32-unknown-unknown --no-default-features --features hydrate $(WASM_FLAGS)
	wasm-bindgen --target web --no-typescript $(BINDGEN_FLAGS) --out-dir $(PKG_DIR) --out-name denglu \
		$(CARGO_TARGET_DIR)/wasm32-unknown-unknown/$(WASM_OUT)/denglu.wasm
	cp style/main.css $(PKG_DIR)/denglu.css
	cp -R public/. $(SITE_ROOT)/
	@# Fingerprinted, precompressed copies and pkg/assets.json (see tools/assets).
	cargo run --quiet -p assets --release -- $(PKG_DIR) denglu-signin denglu

server:
	cargo build --bin denglu --no-default-features --features ssr $(SERVER_FLAGS)

run: site server
	$(RUN_ENV) $(SERVER_BIN)

## Every check, in the order that fails fastest.
test: fmt-check module-cycles clippy test-rust test-postgres e2e

fmt-check:
	cargo fmt --all -- --check

## No module of the app or the simulator imports, directly or through others, a module that
## imports it back (sea-orm's entities name each other in their relations, as it requires).
module-cycles:
	python3 scripts/module-cycles.py src --allow entities/
	python3 scripts/module-cycles.py simulator/src

clippy: tools
	cargo clippy --workspace --all-targets --features denglu/ssr -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

test-rust:
	cargo test --workspace --features denglu/ssr

## The integration tests again, on a throwaway PostgreSQL cluster.
test-postgres:
	scripts/with-postgres.sh cargo test --features ssr --test api

e2e-deps: django-site
	cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund

## The Django example site (a relying party for the browser tests), in its own venv.
django-site:
	examples/django-site/setup.sh

e2e: site server e2e-deps
	cd end2end && DENGLU_SERVER_BIN=$(SERVER_BIN) DENGLU_SITE_ROOT=$(SITE_ROOT) npx playwright test

## The README's screenshots, taken by the browser tests that walk those pages.
screenshots: site server e2e-deps
	cd end2end && DENGLU_SCREENSHOTS=$(CURDIR)/docs/screenshots DENGLU_SERVER_BIN=$(SERVER_BIN) \
		DENGLU_SITE_ROOT=$(SITE_ROOT) npx playwright test console phone qr flows

## Benchmarks: they print figures; nothing is asserted on speed.
bench:
	cargo bench -p simulator --bench flows
	ulimit -n 20000 2>/dev/null || true; cargo bench --bench qr_waiters --features ssr
	cargo bench --bench oidc_signins --features ssr
	cargo bench --bench signins --features ssr
	$(MAKE) bench-pages

## What a phone on a slow network downloads and waits for: the release site in Chromium.
bench-pages: e2e-deps
	$(MAKE) site server PROFILE=release
	cd end2end && DENGLU_SERVER_BIN=$(CARGO_TARGET_DIR)/release/denglu DENGLU_SITE_ROOT=$(SITE_ROOT) \
		node bench/page-weight.mjs

## Release size of the browser bundle, as users download it.
wasm-size:
	$(MAKE) site PROFILE=release
	@for wasm in denglu-signin_bg.wasm denglu_bg.wasm; do \
		hashed=$$(ls $(PKG_DIR)/$${wasm%.wasm}-*.wasm | head -1); \
		printf '%s: %s bytes, %s gzipped, %s brotli (as served)\n' $$wasm \
			"$$(wc -c < $$hashed)" "$$(wc -c < $$hashed.gz)" "$$(wc -c < $$hashed.br)"; \
	done

clean-site:
	rm -rf $(SITE_ROOT)
