#!/usr/bin/env bash
# Builds .device/ (ignored by .gitignore) for the GPU sampler check on the device machine:
#   .device/node.xz        this machine's Node binary, xz-compressed (the device has no Node)
#   .device/dist/          the built tree (npm run build)
#   .device/node_modules/  the packages the built sampler loads (runtime-packages.mjs)
# then prints the sizes. Run from anywhere; works in the repo root. bench/device/README.md.
set -eu
cd "$(dirname "$0")/../.."
if [ ! -f dist/monitor/gpu/index.js ]; then
  echo "dist/monitor/gpu/index.js is missing: run npm run build first" >&2
  exit 1
fi
mkdir -p .device
rm -rf .device/dist .device/node_modules .device/packages.txt
cp -r dist .device/dist
node bench/device/runtime-packages.mjs dist >.device/packages.txt
while read -r p; do
  mkdir -p ".device/node_modules/$(dirname "$p")"
  cp -r "node_modules/$p" ".device/node_modules/$p"
done <.device/packages.txt
NODE_BIN=$(readlink -f "$(command -v node)")
if [ ! -f .device/node.xz ] || [ "$NODE_BIN" -nt .device/node.xz ]; then
  xz -c -6 -T1 "$NODE_BIN" >.device/node.xz.tmp
  mv .device/node.xz.tmp .device/node.xz
fi
echo "packages: $(wc -l <.device/packages.txt) ($(grep -vc '^@stdlib/' .device/packages.txt) outside @stdlib: $(grep -v '^@stdlib/' .device/packages.txt | tr '\n' ' '))"
du -sh .device/node.xz .device/dist .device/node_modules
du -sh .device
du -sb .device | awk '{ printf "carried (bytes of the files): %.1f MiB of 64\n", $1 / 1048576 }'
