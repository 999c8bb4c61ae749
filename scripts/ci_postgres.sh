#!/usr/bin/env bash
# Start the local PostgreSQL cluster and create the test role and database.
#
#   scripts/ci_postgres.sh            (as root; PostgreSQL must be installed)
#
# Used by .ci/run after it has apt-installed `postgresql`; safe to run again on the
# same machine (an existing cluster, role or database is fine). Progress goes to
# stderr; the only line on stdout is the URL to export as ELICENSE_DATABASE_URL.
#
# TEST CREDENTIALS ONLY: role `elicense`, password `elicense`, database
# `elicense_test`. The role gets CREATEDB because the test fixtures create (and drop)
# a throwaway database per test. Never reuse these on a real server.
set -euo pipefail

role=elicense
password=elicense # test-only credential, see above
database=elicense_test
wait_seconds=30

say() { printf 'ci_postgres: %s\n' "$*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it starts the cluster and runs psql as postgres)"
command -v pg_lsclusters >/dev/null || die "postgresql-common is missing: apt-get install postgresql"
[ -d /usr/lib/postgresql ] || die "no PostgreSQL server installed: apt-get install postgresql"

# Highest installed major version, e.g. 15 on Debian 12.
version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
if [ -z "$version" ] || [ ! -x "/usr/lib/postgresql/$version/bin/postgres" ]; then
    die "no PostgreSQL server binaries under /usr/lib/postgresql"
fi
say "PostgreSQL $version"

# Run a command as the postgres OS user, from a directory it can read.
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# The Debian package normally creates cluster <version>/main on install; not if
# create_main_cluster is off or the image was built without it.
if [ ! -d "/etc/postgresql/$version/main" ]; then
    say "no cluster $version/main: creating it"
    pg_createcluster --locale C.UTF-8 --encoding UTF8 "$version" main >&2 ||
        die "pg_createcluster $version main failed"
fi

port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
[ -n "$port" ] || die "cannot read the port of cluster $version/main from pg_lsclusters"

if pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    say "cluster $version/main already running on port $port"
else
    say "starting cluster $version/main on port $port"
    if ! pg_ctlcluster "$version" main start >&2; then
        log="/var/log/postgresql/postgresql-$version-main.log"
        [ -r "$log" ] && tail -n 30 "$log" >&2
        die "pg_ctlcluster $version main start failed"
    fi
fi

ready=false
for _ in $(seq "$wait_seconds"); do
    if pg_isready -q -h 127.0.0.1 -p "$port"; then
        ready=true
        break
    fi
    sleep 1
done
$ready || die "PostgreSQL on 127.0.0.1:$port not ready after ${wait_seconds}s"
say "ready on 127.0.0.1:$port"

# Idempotent: create or reset the role, create the database only if missing.
# TEMPLATE template0 + UTF8 so the encoding does not depend on the cluster's locale.
as_postgres psql --no-psqlrc -q -v ON_ERROR_STOP=1 -p "$port" \
    -v role="$role" -v password="$password" -v database="$database" >&2 <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L',
              :'database', :'role', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SQL

url="postgresql+psycopg://$role:$password@127.0.0.1:$port/$database"
# Prove the password login over TCP works, exactly as the tests will connect.
PGPASSWORD=$password psql --no-psqlrc -qAt -h 127.0.0.1 -p "$port" -U "$role" -d "$database" \
    -c 'SELECT 1' >/dev/null || die "cannot log in as $role over TCP"
say "role $role and database $database ready"
printf '%s\n' "$url"
