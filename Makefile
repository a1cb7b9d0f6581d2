# hogport: build, test, demo and benchmark.
#   make demo   install what is missing, build, start a local sink, send samples/, print what it stored
#   make test   install what is missing, build, run every test
SWIFT ?= swift
APT_PACKAGES := libsqlite3-dev zlib1g-dev pkg-config
# Tests run in parallel; 2 workers suit the 2-core machines this project is built on.
TEST_FLAGS ?= --parallel --num-workers 2

.PHONY: all deps build release test demo bench clean lint

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing < /dev/null; \
	fi

build: deps
	$(SWIFT) build --product hogport

# The Swift runtime is linked in: one binary to copy to a server, faster (no indirect calls into
# the runtime) and lighter at run time than the shared libraries.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product hogport

# The client library's tests time the caller (a capture must return within its bound), so they
# run on their own, not beside the CPU-heavy import tests that occupy both cores.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build $(TEST_FLAGS) --filter PostHogKitTests
	$(SWIFT) test --skip-build $(TEST_FLAGS) --skip PostHogKitTests

demo: deps build
	@bash scripts/demo.sh .build/debug/hogport

bench: deps
	@bash scripts/bench.sh

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests

clean:
	rm -rf .build .hogport
