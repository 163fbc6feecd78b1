#!/bin/sh
# make trace-mc's guest payload (bench/trace-mc.sh installs it as
# /selftests/xp_zbench): the multicalls of one fork + exit of the shell,
# each with its stack trace (xen_mc_flush tracepoint), printed between
# TRACE-MC-BEGIN and TRACE-MC-END.
echo "TAP version 13"
echo "1..1"
t=/sys/kernel/tracing
mount -t tracefs tracefs $t || { echo "not ok 1 trace-mc # no tracefs"; exit 1; }
( : ); ( : )	# warm up: the second fork is the one to compare
echo 1 > $t/options/stacktrace
echo 'mcidx > 0' > $t/events/xen/xen_mc_flush/filter
echo > $t/trace
echo 1 > $t/events/xen/xen_mc_flush/enable
( : )
echo 0 > $t/events/xen/xen_mc_flush/enable
echo "TRACE-MC-BEGIN"
cat $t/trace
echo "TRACE-MC-END"
echo "ok 1 trace-mc"
