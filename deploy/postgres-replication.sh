#!/bin/sh
# Run once by the postgres image when it creates its database (/docker-entrypoint-initdb.d):
# lets postgres-replica connect for streaming replication, with the password of memes (a
# superuser, so it may replicate). PostgreSQL 16's defaults (wal_level = replica, ten WAL
# senders) are all the rest that streaming needs.
set -e
echo "host replication memes all scram-sha-256" >> "$PGDATA/pg_hba.conf"
