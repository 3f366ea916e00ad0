#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis the tests use answer on 127.0.0.1, starting local ones if they are down.
# WMS_TEST_POSTGRES_URL / WMS_TEST_REDIS_URL pointing elsewhere: those servers are yours to run; nothing is started.
set -uo pipefail

answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_for() { for _ in $(seq 1 30); do answers "$1" "$2" && return 0; sleep 1; done; return 1; }

if [ -z "${WMS_TEST_POSTGRES_URL:-}" ] && ! answers 127.0.0.1 5432; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "starting PostgreSQL (pg_ctlcluster)"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    elif command -v systemctl >/dev/null && systemctl list-unit-files postgresql.service >/dev/null 2>&1; then
        echo "starting PostgreSQL (systemctl)"
        systemctl start postgresql
    elif command -v pg_ctl >/dev/null && [ -n "${PGDATA:-}" ]; then
        echo "starting PostgreSQL (pg_ctl, PGDATA=$PGDATA)"
        pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" -w start
    fi
    if ! wait_for 127.0.0.1 5432; then
        cat >&2 <<'MSG'
PostgreSQL does not answer on 127.0.0.1:5432 and could not be started here (no pg_ctlcluster, systemd unit
or PGDATA for pg_ctl). Start one that accepts user postgres without a password, for example
    docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16
or point the tests at yours: WMS_TEST_POSTGRES_URL=postgresql+psycopg://user:password@host:5432/postgres
MSG
        exit 1
    fi
fi

if [ -z "${WMS_TEST_REDIS_URL:-}" ] && ! answers 127.0.0.1 6379; then
    if command -v redis-server >/dev/null; then
        echo "starting Redis"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    fi
    if ! wait_for 127.0.0.1 6379; then
        cat >&2 <<'MSG'
Redis does not answer on 127.0.0.1:6379 and redis-server is not installed. Start one, for example
    docker run -d -p 6379:6379 redis:7
or point the tests at yours: WMS_TEST_REDIS_URL=redis://host:6379/0 (the tests use only keys named for their run)
MSG
        exit 1
    fi
fi
exit 0
