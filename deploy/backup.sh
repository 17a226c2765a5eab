#!/bin/sh
# Back up the service's PostgreSQL database to one file (pg_dump custom format).
#   deploy/backup.sh DATABASE_URL BACKUP_FILE
# The dump holds no key (SECRET_KEY, PHONE_KEYS and PHONE_HASH_KEY live in the
# environment, never in the database): store the keys apart from the backups.
set -eu
if [ "$#" -ne 2 ]; then
  echo "usage: $0 DATABASE_URL BACKUP_FILE" >&2
  exit 2
fi
url=$1
out=$2
tmp="$out.partial"
# Written beside the target first, so a failed dump never replaces a good one.
pg_dump --format=custom --no-owner --no-privileges --file "$tmp" "$url"
pg_restore --list "$tmp" >/dev/null  # the file reads back
mv "$tmp" "$out"
echo "backup written: $out"
