# Quantscope: `make run` opens the demo, `make test` runs every test.
# Both install missing Debian packages first (tools/bootstrap).

BUILD ?= _build
MESON_OPTS ?=
DEMO ?= data/demo.qsproj
XVFB = xvfb-run -a -s "-screen 0 1400x900x24"

.PHONY: all setup build run test bench clean

all: build

setup:
	@tools/bootstrap

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: setup $(BUILD)/build.ninja
	meson compile -C $(BUILD)

run: build
	GSETTINGS_SCHEMA_DIR=$(BUILD)/data $(BUILD)/src/quantscope $(DEMO)

test: build
	$(XVFB) meson test -C $(BUILD) --print-errorlogs $(TEST_ARGS)

bench: build
	meson test -C $(BUILD) --benchmark --verbose

clean:
	rm -rf $(BUILD)
