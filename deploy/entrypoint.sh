#!/bin/sh
# Container entry point: bring the schema up to date, then run the command.
# `db migrate` takes a PostgreSQL advisory lock, so replicas starting together
# migrate once and the others wait; MIGRATE_ON_START=0 skips it (e.g. for a
# worker that should never change the schema).
set -eu
if [ "${MIGRATE_ON_START:-1}" = "1" ]; then
  survey-service db migrate
fi
exec "$@"
