#!/bin/sh
# Runs once, on the first start of an empty PostgreSQL volume (docker-entrypoint-initdb.d):
# one database and one owning role per service, each with its own password from deploy/.env.
set -eu

create_database() {
    # $1: name of both the role and the database, $2: the role's password
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v name="$1" -v password="$2" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create_database idp "$IDP_DB_PASSWORD"
create_database egisz "$EGISZ_DB_PASSWORD"
create_database notifier "$NOTIFIER_DB_PASSWORD"
