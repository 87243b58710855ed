#!/usr/bin/env bash
# Starts Redis (127.0.0.1:6379), PostgreSQL (127.0.0.1:5432) and RabbitMQ (127.0.0.1:5672) when
# they are not answering.
# The tests talk to the real servers; this machine kind usually has them running already.
set -euo pipefail
if ! (redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG); then
    echo "services: starting redis-server"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 50); do redis-cli ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "services: starting postgresql"
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
if ! (echo >/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    echo "services: starting rabbitmq-server"
    rabbitmq-server -detached >/dev/null 2>&1 || service rabbitmq-server start >/dev/null 2>&1 || true
    for _ in $(seq 150); do (echo >/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 0.2; done
fi
