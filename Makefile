# Make targets for operators and CI. Every target is one passecs command; see README.md.
# Override the passecs executable with PASSECS=..., add global options with OPTS=... (e.g. OPTS=--local).
PASSECS ?= passecs
OPTS ?=
SERVICE ?=

.PHONY: doctor plan deploy deploy-prod ps logs down test lint

doctor:
	$(PASSECS) $(OPTS) doctor

plan:
	$(PASSECS) $(OPTS) plan

deploy:
	$(PASSECS) $(OPTS) deploy

# The production cluster configuration (`pass`) is protected: confirm by typing its name, or add YES=--yes.
deploy-prod:
	$(PASSECS) $(OPTS) deploy -c pass $(YES)

ps:
	$(PASSECS) $(OPTS) ps

logs:
	$(PASSECS) $(OPTS) logs $(SERVICE)

down:
	$(PASSECS) $(OPTS) down $(YES)

test:
	python -m pytest

lint:
	ruff check passecs tests benchmarks
	mypy
