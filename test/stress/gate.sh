#!/usr/bin/env bash
# Runs a command COUNT times in a row while CPU burners keep the machine busy, and says how many runs passed.
#
#   bash test/stress/gate.sh COUNT COMMAND [ARG...]      e.g.  bash test/stress/gate.sh 10 npm test
#
# - Starts GATE_BURNERS (default 2) busy loops (`node -e 'for(;;){}'`) first and always stops them on exit,
#   Ctrl-C or TERM (by the PIDs it recorded, nothing else).
# - Prints one line per run (`run k/COUNT: pass|fail, S s`) and, alone on the last line,
#   `gate: N passed, M failed`.
# - Keeps the output of failing runs under a fresh directory in /tmp (GATE_LOG_DIR to choose another);
#   passing runs' output is deleted.
# - Exits 0 when every run passed, 1 when any failed, 2 on a usage error, 130/143 when interrupted.
set -uo pipefail

usage() {
	echo "usage: bash test/stress/gate.sh COUNT COMMAND [ARG...]   (e.g. bash test/stress/gate.sh 10 npm test)" >&2
	exit 2
}

[[ $# -ge 2 ]] || usage
count=$1
shift
[[ $count =~ ^[1-9][0-9]*$ ]] || usage
burner_count=${GATE_BURNERS:-2}
[[ $burner_count =~ ^[0-9]+$ ]] || { echo "gate: GATE_BURNERS must be a whole number" >&2; exit 2; }
command -v node >/dev/null || { echo "gate: node is needed for the CPU burners" >&2; exit 2; }

log_dir=${GATE_LOG_DIR:-$(mktemp -d /tmp/gate.XXXXXX)}
mkdir -p "$log_dir"

# Every background job gets its own process group, so a run can be stopped with everything it started.
set -m

burners=()
run_pid=

cleanup() {
	if [[ -n $run_pid ]] && kill -0 "$run_pid" 2>/dev/null; then
		kill -TERM -- "-$run_pid" 2>/dev/null
		wait "$run_pid" 2>/dev/null
	fi
	for pid in "${burners[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${burners[@]}"; do
		wait "$pid" 2>/dev/null
	done
	burners=()
}

interrupted() {
	echo "gate: interrupted by SIG$1; stopping the current run and the burners" >&2
	trap - EXIT
	cleanup
	exit "$2"
}

trap cleanup EXIT
trap 'interrupted INT 130' INT
trap 'interrupted TERM 143' TERM

for ((i = 0; i < burner_count; i++)); do
	node -e 'for(;;){}' &
	burners+=("$!")
done
echo "gate: ${count} runs of: $*"
echo "gate: ${burner_count} CPU burners running (PIDs ${burners[*]:-none}); logs of failing runs go to ${log_dir}"

passed=0
failed=0
failed_logs=()
for ((run = 1; run <= count; run++)); do
	log="${log_dir}/run-${run}.log"
	started=$EPOCHREALTIME
	"$@" >"$log" 2>&1 &
	run_pid=$!
	wait "$run_pid"
	status=$?
	run_pid=
	seconds=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	if [[ $status -eq 0 ]]; then
		passed=$((passed + 1))
		rm -f "$log"
		echo "run ${run}/${count}: pass, ${seconds} s"
	else
		failed=$((failed + 1))
		failed_logs+=("$log")
		echo "run ${run}/${count}: fail (exit ${status}), ${seconds} s, log: ${log}"
	fi
done

cleanup
if [[ $failed -eq 0 ]]; then
	rmdir "$log_dir" 2>/dev/null
else
	echo "gate: logs of the failing runs:"
	printf '  %s\n' "${failed_logs[@]}"
fi
echo "gate: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
