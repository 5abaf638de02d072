#!/usr/bin/env bash
# The GPU sampler check on the device machine (bench/device/README.md). From the repo root:
#
#   OUT=/some/dir bash bench/device/run.sh [SECONDS]      (default 20)
#
# Needs .device/ (node.xz, dist/, node_modules/) as the README builds it. Unpacks Node, records
# what the driver offers, samples the local nvidia-smi every 250 ms for SECONDS while
# gpu-load.py loads GPU 0 (skipped cleanly without torch), then samples 5 s through the command
# source. Everything goes to $OUT; the summary of each step to stdout.
set -u
SECONDS_TO_SAMPLE=${1:-20}
: "${OUT:?set OUT to the folder for the results}"
DEV=.device
mkdir -p "$OUT"

# 1. Node, from the carried archive (xz, or Python's lzma where xz is missing), into a
# temporary folder (or /dev/shm, should the first be mounted noexec).
unpack() {
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$DEV/node.xz" >"$1"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$DEV/node.xz" "$1"
  fi
  chmod +x "$1" && "$1" --version >/dev/null 2>&1
}
NODE_DIR=$(mktemp -d)
NODE="$NODE_DIR/node"
if ! unpack "$NODE"; then
  rm -rf "$NODE_DIR"
  NODE_DIR=$(mktemp -d -p /dev/shm)
  NODE="$NODE_DIR/node"
  unpack "$NODE" || { echo "cannot run the unpacked node ($NODE)"; exit 1; }
fi
echo "node: $("$NODE" --version)"

# 2. What this machine's nvidia-smi and driver offer.
{
  nvidia-smi --version
  nvidia-smi
  echo "---- one-shot query of the optional fields, each alone"
  for f in clocks_event_reasons.active clocks_throttle_reasons.active total_energy_consumption power.draw.average power.draw.instant; do
    printf '%s: ' "$f"
    nvidia-smi --query-gpu="$f" --format=csv,noheader,nounits 2>&1 | head -2 | tr '\n' ' '
    echo
  done
  echo "---- --help-query-gpu, the energy and clocks-event entries"
  nvidia-smi --help-query-gpu 2>&1 | grep -n -i -A2 -E 'energy|clocks_event_reasons.active|clocks_throttle_reasons.active' | head -40
} >"$OUT/nvidia-smi-facts.txt" 2>&1
echo "driver facts: $OUT/nvidia-smi-facts.txt"

# 3. The sampler on nvidia-smi at 250 ms, with a GPU load in the middle when torch is there.
"$NODE" bench/device/gpu-sampler.mjs --dist "$DEV/dist" "$SECONDS_TO_SAMPLE" "$OUT/gpu-metrics.jsonl" >"$OUT/gpu-sampler.txt" 2>&1 &
SAMPLER=$!
sleep 3
PY=$(command -v python3 || command -v python || true)
LOAD_SECONDS=$(( SECONDS_TO_SAMPLE > 16 ? 8 : SECONDS_TO_SAMPLE / 3 ))
if [ -n "$PY" ] && [ "$LOAD_SECONDS" -gt 0 ]; then
  "$PY" bench/device/gpu-load.py "$LOAD_SECONDS" >"$OUT/gpu-load.txt" 2>&1
  echo "gpu-load exit $?"
else
  echo '{"event": "skipped", "reason": "no python, or too short a run"}' >"$OUT/gpu-load.txt"
fi
wait "$SAMPLER"
echo "gpu-sampler exit $?"
cat "$OUT/gpu-load.txt"
grep -E '^(started|stopped|warning|start_failed|fields_filled|energy_check)' "$OUT/gpu-sampler.txt"

# 4. The command source on the same nvidia-smi, 5 s.
mkdir -p "$OUT/command"
"$NODE" bench/device/gpu-sampler.mjs --dist "$DEV/dist" \
  --source 'cmd:nvidia-smi --query-gpu={fields} --format=csv,noheader,nounits -lms {interval_ms}' \
  5 "$OUT/command/gpu-metrics.jsonl" >"$OUT/command/gpu-sampler.txt" 2>&1
echo "command source exit $?"
grep -E '^(started|stopped|warning|start_failed)' "$OUT/command/gpu-sampler.txt"

rm -rf "$NODE_DIR"
