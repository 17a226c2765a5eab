#!/bin/sh
# Restore a backup made by deploy/backup.sh into an EMPTY database.
#   deploy/restore.sh BACKUP_FILE TARGET_DATABASE_URL
# Restore into a new database and point DATABASE_URL at it once it answers,
# rather than over the live one. Then run `survey-service db migrate` (a backup
# from an older release is brought up to date) and start the service.
set -eu
if [ "$#" -ne 2 ]; then
  echo "usage: $0 BACKUP_FILE TARGET_DATABASE_URL" >&2
  exit 2
fi
backup=$1
url=$2
tables=$(psql --no-psqlrc --tuples-only --no-align --dbname "$url" \
  --command "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "refusing to restore: the target database already has $tables table(s)" >&2
  exit 2
fi
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname "$url" "$backup"
echo "restored $backup"
