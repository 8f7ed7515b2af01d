# The two commands of the README: `make demo` runs the platform, `make test` runs the tests.
.PHONY: demo test services ha kube tools typecheck lint build image stop

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

# The high-availability services (docs/operations/high-availability.md).
ha:
	bash scripts/redis-cluster.sh up; bash scripts/pg-ha.sh up; bash scripts/pg-backup.sh up

typecheck:
	npm run -s typecheck

lint:
	npm run -s lint

build:
	npm run -s build

image:
	docker build -t scenic:dev .

stop:
	bash scripts/api-lb.sh down; bash scripts/pg-backup.sh down; bash scripts/pg-ha.sh down; bash scripts/redis-cluster.sh down
	bash scripts/observability.sh down; bash scripts/kube.sh down; bash scripts/services.sh down
