#!/bin/sh
# Test web server. A shell as PID 1 that traps TERM, because busybox httpd as PID 1 ignores
# SIGTERM and `docker stop` would wait its full timeout.
echo "web ${WEB_VERSION} starting; args: $*"
echo "env:"
env | sort
httpd -f -p 80 -h /www &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT
wait "$child"
