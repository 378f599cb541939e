# The two commands of the README, and the builds behind them.
#
#   make tour        bootstrap, build build/release, run `corio tour`
#   make test        bootstrap, then build and test build/release (g++, optimized,
#                    -Werror) and build/asan (clang-16, ASan+UBSan); build/tsan
#                    (clang-16, TSan) joins in once tests labelled `thread` exist
#   make test-release | test-asan | test-tsan    one build and its tests
#   make bench       bootstrap (with the benchmark peers: scripts/bootstrap --bench),
#                    build build/release, run bench/run.py
#   make clean       remove the three build trees
#
# CMake does the real work: the three configurations are the presets in
# CMakePresets.json. docs/building.md shows how to use them by hand.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := tour

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS := --output-on-failure -j$(JOBS) --timeout 600

# The three trees live under BUILD_ROOT (`make test BUILD_ROOT=/tmp/corio` builds elsewhere).
BUILD_ROOT ?= build
RELEASE_DIR := $(BUILD_ROOT)/release
ASAN_DIR := $(BUILD_ROOT)/asan
TSAN_DIR := $(BUILD_ROOT)/tsan

# The configurations themselves are the presets of CMakePresets.json (release, asan,
# tsan); here they only get their directory under BUILD_ROOT. -Werror belongs to the g++
# release build, the compiler CI pins; `make WERROR=OFF ...` lets a newer compiler's
# new warnings through.
WERROR ?= ON
CONFIGURE = cmake --preset $(1) -B $(2) $(3)

# llvm-symbolizer for sanitizer reports, without depending on the unversioned link.
SANITIZER_PATH := /usr/lib/llvm-16/bin:$(PATH)
# clang 16's sanitizers cannot place their shadow memory when the kernel randomizes
# mmap with more than 28 bits (fixed in LLVM 18); there the sanitized tests run without
# address randomization, if the system lets us turn it off.
SANITIZER_RUN := $(shell \
  bits=$$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0); \
  if [ "$$bits" -gt 28 ] && setarch "$$(uname -m)" -R true 2>/dev/null; then \
    echo setarch "$$(uname -m)" -R; fi)

# `make test` runs the per-build targets through sub-makes; they skip the bootstrap
# that `test` has already done.
BOOTSTRAP := $(if $(NO_BOOTSTRAP),,bootstrap)
SUBMAKE := $(MAKE) --no-print-directory NO_BOOTSTRAP=1

.PHONY: tour test test-release test-asan test-tsan bench clean bootstrap \
  build-release build-asan build-tsan

bootstrap:
	@scripts/bootstrap

build-release: $(BOOTSTRAP)
	$(call CONFIGURE,release,$(RELEASE_DIR),-DCORIO_WERROR=$(WERROR))
	cmake --build $(RELEASE_DIR) -j $(JOBS)

build-asan: $(BOOTSTRAP)
	$(call CONFIGURE,asan,$(ASAN_DIR))
	cmake --build $(ASAN_DIR) -j $(JOBS)

build-tsan: $(BOOTSTRAP)
	$(call CONFIGURE,tsan,$(TSAN_DIR))
	cmake --build $(TSAN_DIR) -j $(JOBS)

tour: build-release
	$(RELEASE_DIR)/tools/corio tour

bench: build-release
	@$(if $(NO_BOOTSTRAP),true,scripts/bootstrap --bench)
	python3 bench/run.py --build-dir $(RELEASE_DIR)

# Each test-* target drops its previous ctest.log first, so that a build that breaks
# is not summarised with the results of an earlier run.
test-release: $(BOOTSTRAP)
	@rm -f $(RELEASE_DIR)/ctest.log
	@$(SUBMAKE) build-release
	@scripts/run-ctest release $(RELEASE_DIR) $(CTEST_ARGS)

test-asan: $(BOOTSTRAP)
	@rm -f $(ASAN_DIR)/ctest.log
	@$(SUBMAKE) build-asan
	@PATH="$(SANITIZER_PATH)" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(SANITIZER_RUN) scripts/run-ctest asan $(ASAN_DIR) $(CTEST_ARGS)

test-tsan: $(BOOTSTRAP)
	@rm -f $(TSAN_DIR)/ctest.log
	@$(SUBMAKE) build-tsan
	@PATH="$(SANITIZER_PATH)" TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  $(SANITIZER_RUN) scripts/run-ctest tsan $(TSAN_DIR) $(CTEST_ARGS) -L '^thread$$'

# Every build runs even if an earlier one failed, so one run shows everything that is
# broken; the exit status is the combined one. The tsan build joins once the release
# (or, if that did not build, the asan) tree has a test labelled `thread`.
test: bootstrap
	@status=0; \
	$(SUBMAKE) test-release || status=1; \
	$(SUBMAKE) test-asan || status=1; \
	builds="release=$(RELEASE_DIR) asan=$(ASAN_DIR)"; \
	if scripts/has-tests '^thread$$' $(RELEASE_DIR) $(ASAN_DIR); then \
	  $(SUBMAKE) test-tsan || status=1; \
	  builds="$$builds tsan=$(TSAN_DIR)"; \
	else \
	  echo "== tsan: skipped, no tests labelled thread yet"; \
	fi; \
	scripts/test-summary $$builds || status=1; \
	exit $$status

clean:
	rm -rf $(RELEASE_DIR) $(ASAN_DIR) $(TSAN_DIR)
