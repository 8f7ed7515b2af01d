# The two commands of the README: `make demo` runs the platform, `make test` runs the tests.
.PHONY: demo test services kube tools typecheck lint build image stop

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

services:
	bash scripts/services.sh up

tools:
	bash scripts/k8s-tools.sh build

kube:
	bash scripts/kube.sh up

typecheck:
	npm run -s typecheck

lint:
	npm run -s lint

build:
	npm run -s build

image:
	docker build -t scenic:dev .

stop:
	bash scripts/observability.sh down; bash scripts/kube.sh down; bash scripts/services.sh down
