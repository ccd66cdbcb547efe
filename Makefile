# The two commands a newcomer needs:
#   make run    installs missing packages, builds, runs the demo tenant on 127.0.0.1:5060
#               (and the admin API on 127.0.0.1:8080)
#   make test   builds normal + ASan/UBSan and runs the whole suite in both
# Others: make build, make asan, make bench, make fuzz, make clean.

JOBS ?= $(shell nproc)
# tests side by side (the timing-sensitive ones are RUN_SERIAL in tests/CMakeLists.txt)
TEST_JOBS ?= 2
LISTEN ?= 127.0.0.1:5060
ADMIN_LISTEN ?= 127.0.0.1:8080
CTEST_ARGS ?=

.PHONY: all deps build asan test test-normal test-asan run bench fuzz clean

all: build

deps:
	@sh tools/install-deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j$(JOBS)

asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCW_SANITIZE=ON >/dev/null
	cmake --build build-asan -j$(JOBS)

test-normal: build
	cd build && ctest -j$(TEST_JOBS) --no-tests=error --output-on-failure $(CTEST_ARGS)

test-asan: asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest -j$(TEST_JOBS) --no-tests=error --output-on-failure $(CTEST_ARGS)

test: test-normal test-asan

run: build
	./build/callwarden run --listen $(LISTEN) --admin-listen $(ADMIN_LISTEN)

bench: build
	sh tests/bench/run.sh
	sh tests/bench/lua.sh
	sh tests/bench/ledger.sh
	sh tests/bench/consent.sh
	sh tests/bench/scenarios.sh
	sh tests/bench/egress.sh
	sh tests/bench/admin.sh

fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DCW_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target fuzz_sdp
	mkdir -p build-fuzz/fuzz-corpus
	./build-fuzz/tests/fuzz_sdp -max_total_time=$${FUZZ_SECONDS:-60} \
	  -max_len=4096 build-fuzz/fuzz-corpus tests/sdp/corpus

clean:
	rm -rf build build-asan build-fuzz
