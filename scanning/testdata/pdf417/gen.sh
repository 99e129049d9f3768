#!/bin/sh
# Renders the PDF417 test symbols of scanning/internal/pdf417 with zint
# (Debian package "zint", 2.11) and writes manifest.tsv: file, expected
# text (\x1d written as <GS>, a UTF-8 text as is), what the symbol shows.
# The PNGs and the manifest are committed; tests need neither zint nor
# this script. Usage: scanning/testdata/pdf417/gen.sh
set -eu
cd "$(dirname "$0")"
rm -f ./*.png manifest.tsv
printf '# file\texpected text (<GS> = ASCII 29)\tnotes\n' > manifest.tsv
# sym NAME TEXT NOTES ZINT-ARGS... (symbology $B: 55 PDF417, 56 Compact
# PDF417, 84 MicroPDF417)
B=55
sym() {
    name=$1 text=$2 notes=$3
    shift 3
    zint -b "$B" -o "$name.png" "$@"
    printf '%s.png\t%s\t%s\n' "$name" "$text" "$notes" >> manifest.tsv
}
BAND='MRN:00123456|DOE^JANE|DOB:19800101'
sym text_band "$BAND" "text compaction, default EC" -d "$BAND"
sym text_mixed 'Rx 4711: Amoxicillin 500mg cap; take 1 q8h (max 3/day) #30 @home ~ok' "all text submodes and shifts" --secure=3 -d 'Rx 4711: Amoxicillin 500mg cap; take 1 q8h (max 3/day) #30 @home ~ok'
sym numeric '012345678901234567890123456789012345678901234567890' "numeric compaction" --secure=2 -d '012345678901234567890123456789012345678901234567890'
sym bytes_utf8 'Müller, José – 5 µg ½ tab' "byte compaction of UTF-8 (ECI 26)" --eci=26 -d 'Müller, José – 5 µg ½ tab'
sym bytes_latin1 'Müller, José 5 µg' "byte compaction, Latin-1" -d 'Müller, José 5 µg'
sym gs1_label '01003123456789061727013110LOT123A<GS>21SN0001' "GS1-style label with a GS (byte shift)" --esc -d '01003123456789061727013110LOT123A\G21SN0001'
sym macro_segment 'PATIENT LABEL PART 2 OF 3' "Macro PDF417 segment 2 of 3, file id 4711" --structapp='2,3,4711' -d 'PATIENT LABEL PART 2 OF 3'
sym level0_cols2 'MRN:0042' "EC level 0, 2 columns" --secure=0 --cols=2 -d 'MRN:0042'
sym level5_cols12 "$BAND" "EC level 5, 12 columns" --secure=5 --cols=12 -d "$BAND"
sym rot90 "$BAND" "turned 90°" --rotate=90 -d "$BAND"
sym rot180 "$BAND" "turned 180°" --rotate=180 -d "$BAND"
sym rot270 "$BAND" "turned 270°" --rotate=270 -d "$BAND"
sym scaled3 'MRN:00123456' "scale 3" --scale=3 -d 'MRN:00123456'
sym small 'MRN:00123456' "scale 0.5 (1 px modules)" --scale=0.5 -d 'MRN:00123456'
# Compact (truncated) PDF417: no right row indicator, a one-module stop bar.
B=56
sym compact_band "$BAND" "Compact PDF417, default EC" -d "$BAND"
sym compact_cols1 'MRN:0042' "Compact PDF417, 1 data column" --cols=1 -d 'MRN:0042'
sym compact_level4_cols6 "$BAND" "Compact PDF417, EC level 4, 6 columns" --secure=4 --cols=6 -d "$BAND"
sym compact_rot90 "$BAND" "Compact PDF417 turned 90°" --rotate=90 -d "$BAND"
sym compact_rot180 "$BAND" "Compact PDF417 turned 180°" --rotate=180 -d "$BAND"
sym compact_small 'MRN:00123456' "Compact PDF417, scale 0.5 (1 px modules)" --scale=0.5 -d 'MRN:00123456'
# MicroPDF417 is not read (see scanning/internal/pdf417/micro.go): these
# renders, in micro/, must be answered "unsupported", never read.
mkdir -p micro
rm -f micro/*.png
zint -b 84 -o micro/micro_mrn.png -d 'MRN:00123456'
zint -b 84 -o micro/micro_band.png -d "$BAND"
zint -b 84 --cols=1 -o micro/micro_cols1.png -d 'MRN:0042'
zint -b 84 --cols=4 -o micro/micro_cols4.png -d "$BAND"
zint -b 84 --rotate=90 -o micro/micro_rot90.png -d "$BAND"
zint -b 84 --rotate=180 -o micro/micro_rot180.png -d 'MRN:00123456'
