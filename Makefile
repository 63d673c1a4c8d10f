# Makefile: a thin wrapper over meson/ninja so that the usual verbs work.
# The build itself lives in meson.build; this only picks build dirs and
# calls the scripts (tests/run.sh, scripts/lint.sh, scripts/demo.sh).

MESON ?= meson
NINJA ?= ninja
BUILD ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 20
FUZZ_CC ?= clang

.PHONY: all build check unit demo asan fuzz lint format install clean deps bench-runtime bench-images bench-cli bench-network conformance

all: build

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

deps:
	scripts/deps.sh

# The README's test command (`sudo make check`): deps, build, every suite.
check: deps
	BERTH_BUILD=$(abspath $(BUILD)) BERTH_BUILD_ASAN=$(abspath $(BUILD_ASAN)) tests/run.sh

# The README's first command (`sudo make demo`): deps, build, a berthd of
# its own, a busybox image from busybox-static, containers through the CLI.
demo: deps
	BERTH_BUILD=$(abspath $(BUILD)) BERTH_DEMO_NO_DEPS=1 scripts/demo.sh

$(BUILD_ASAN)/build.ninja:
	$(MESON) setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false

asan: $(BUILD_ASAN)/build.ninja
	$(NINJA) -C $(BUILD_ASAN)

$(BUILD_FUZZ)/build.ninja:
	CC=$(FUZZ_CC) $(MESON) setup $(BUILD_FUZZ) --buildtype=debugoptimized -Dfuzz=true

# Run every fuzz-* target for FUZZ_SECONDS on its own corpus copy.
fuzz: $(BUILD_FUZZ)/build.ninja
	BUILD_FUZZ=$(abspath $(BUILD_FUZZ)) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# berth-runtime vs crun vs runc (root): RUNS=n per runtime and case (default 50)
bench-runtime: build
	BERTH_RUNTIME=$(abspath $(BUILD))/src/runtime-cli/berth-runtime bench/runtime/run.sh $(if $(RUNS),-n $(RUNS))

# docker-archive load, berth vs podman vs docker (root): RUNS=n per loader (default 5)
bench-images: build
	BERTH_BUILD=$(abspath $(BUILD)) bench/images/run.sh $(if $(RUNS),-n $(RUNS))

# `berth ps` vs `docker ps` with 100 containers (root): RUNS=n per client (default 20)
bench-cli: build
	BERTH_BUILD=$(abspath $(BUILD)) bench/cli/run.sh $(if $(RUNS),-n $(RUNS))

# `run --rm busybox true`, --network none vs the default network, berth vs
# docker vs podman, each in a netns of its own (root): RUNS=n per case (default 20)
bench-network: build
	BERTH_BUILD=$(abspath $(BUILD)) bench/network/run.sh $(if $(RUNS),-n $(RUNS))

# OCI runtime-tools validation (root; not part of check): berth vs runc vs crun.
# RUNTIME_TOOLS_SRC=<runtime-tools checkout or .tar.gz> supplies validation/.
conformance: build
	BERTH_RUNTIME=$(abspath $(BUILD))/src/runtime-cli/berth-runtime tests/conformance/runtime-tools.sh --compare

lint: build
	BERTH_BUILD=$(abspath $(BUILD)) scripts/lint.sh

format:
	find src tests -name '*.[ch]' -print0 | xargs -0 -r clang-format -i

# The programs, man pages and completions, the systemd unit (berth.service
# into /lib/systemd/system) and /etc/berth/daemon.json when there is none.
# `make install DESTDIR=/tmp/stage` stages everything under a directory.
install: build
	$(MESON) install -C $(BUILD) $(if $(DESTDIR),--destdir $(abspath $(DESTDIR)))
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		systemctl daemon-reload; \
		echo "berthd: 'sudo systemctl enable --now berth' starts it now and at boot"; \
	fi

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
