#!/bin/sh
# Run inside a fresh network namespace (`unshare --net scripts/in-netns.sh CMD…`, as root): brings
# up loopback and a veth pair of the namespace's own (10.213.0.1 ↔ 10.213.0.2, default route via
# the far end), then runs CMD. Firefox gathers no ICE candidates at all where only loopback
# exists, and Janus (libnice) skips loopback; both gather on v0's address here. Nothing has a way
# out: both ends of the pair live in this namespace, and the host's interfaces are not in it.
set -eu
ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 10.213.0.1/24 dev v0
ip addr add 10.213.0.2/24 dev v1
ip link set v0 up
ip link set v1 up
ip route add default via 10.213.0.2 dev v0
# The namespace's own address, for servers a test starts that Firefox must reach (coturn).
export RTC_TEST_NETNS_ADDR=10.213.0.1
exec "$@"
