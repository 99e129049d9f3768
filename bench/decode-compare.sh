#!/bin/sh
# Compares the scanning package's decoder with zxing-cpp on the same images
# and prints, per corpus and format, the images read by each, the wrong
# reads (a read of a frame without a barcode is wrong), and the total and
# per-image decode time of each with their ratio; frames without a barcode
# have their own row (NONE).
#
# Needs Go and zxing-cpp: its Python binding (Debian python3-zxing-cpp,
# timed in one process; preferred) or ZXingReader (zxing-cpp-tools, a
# process per image with its start-up subtracted).
#
# Usage:
#   bench/decode-compare.sh                 # testdata/images and testdata/photos
#   bench/decode-compare.sh -v              # … with one line per image
#   bench/decode-compare.sh -manifest scanning/testdata/photos/manifest.tsv
#   bench/decode-compare.sh -manifest "" photos/   # unlabelled images: reads and agreement only
#   bench/decode-compare.sh -reps 5 -python "" -zxing /opt/zxing/ZXingReader
#   bench/decode-compare.sh -json out.json  # the table as JSON too (make bench's decode step)
#
# A manifest has the format of scanning/testdata/images/manifest.tsv:
# file<TAB>format<TAB>expected text (<GS> = ASCII 29)<TAB>read|none|unsupported.
set -eu
cd "$(dirname "$0")/.."
if ! command -v ZXingReader >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import zxingcpp' >/dev/null 2>&1; then
	echo "zxing-cpp not found: apt-get install python3-zxing-cpp (or zxing-cpp-tools; -zxing \"\" skips it)" >&2
fi
exec go run ./scanning/internal/decodecmp "$@"
