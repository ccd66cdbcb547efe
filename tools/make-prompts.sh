#!/bin/sh
# make-prompts.sh PROMPTS_TXT OUT_DIR
# Renders every "<id> <lang> <text>" line of PROMPTS_TXT with espeak-ng, resampled by
# sox (without dither, so the same text gives the same bytes) to 8 kHz mono 16-bit PCM, into OUT_DIR/<lang>/<id>.wav, and its text beside it
# (<id>.txt), so that `callwarden test` can say what a caller heard.
set -eu
src=$1
out=$2
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^[[:space:]]*#' "$src" | grep -v '^[[:space:]]*$' | while read -r id lang text; do
    mkdir -p "$out/$lang"
    espeak-ng -v "$lang" -s 160 -w "$tmp/raw.wav" "$text"
    sox -D "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$lang/$id.wav"
    printf '%s\n' "$text" > "$out/$lang/$id.txt"
done
