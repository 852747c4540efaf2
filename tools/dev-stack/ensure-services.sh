#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and NATS with JetStream (127.0.0.1:4222) are up on this
# machine, starting the Debian-packaged services when they are not. Exits non-zero naming what is missing.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  return 1
}

if ! port_open 5432; then
  echo "PostgreSQL is not up on 127.0.0.1:5432: starting it"
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
  fi
  wait_port 5432 || { echo "PostgreSQL could not be started on 127.0.0.1:5432" >&2; exit 1; }
fi
echo "PostgreSQL is up on 127.0.0.1:5432"

if ! port_open 4222; then
  echo "NATS is not up on 127.0.0.1:4222: starting it"
  nats_bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  if [ -x "$nats_bin" ]; then
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec "$nats_bin" -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
  fi
  wait_port 4222 || { echo "NATS could not be started on 127.0.0.1:4222 (is nats-server installed?)" >&2; exit 1; }
fi
echo "NATS is up on 127.0.0.1:4222"
