#!/bin/sh
# Rebuild the CMYK output-intent profiles in this directory from the free
# characterisation data shipped by Debian's icc-profiles-free package, using
# ArgyllCMS colprof.  See README.md for provenance and licence.
#
#   apt-get install -y icc-profiles-free argyll
#   sh styles/icc/build_profiles.sh
#
# Built with: icc-profiles-free 2.0.1+dfsg-1.1, argyll 2.3.1+repack-1.1+b1
# (Debian 12).  Output is not byte-identical between runs (the ICC header
# carries the creation date/time), but the colour tables are deterministic
# for the same ArgyllCMS version and input data.
set -eu

OUT=$(cd "$(dirname "$0")" && pwd)
DATA=/usr/share/color/icc          # icc-profiles-free
SRGB=/usr/share/color/argyll/ref/sRGB.icm   # argyll: source gamut for perceptual/saturation B2A
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for f in FOGRA39L.ti3 TR002.ti3 TR006.ti3 "$SRGB"; do
    case $f in /*) p=$f ;; *) p=$DATA/$f ;; esac
    [ -r "$p" ] || { echo "missing $p (apt-get install icc-profiles-free argyll)" >&2; exit 1; }
done

# Common options:
#   -qm        medium quality cLUT (A2B0/A2B1/A2B2 + B2A0/B2A1/B2A2)
#   -S sRGB    perceptual + saturation B2A tables gamut-mapped from sRGB
#   -cmt -dpp  CIECAM02 viewing conditions: source = monitor in typical
#              environment, destination = practical reflection print (ISO 3664 P2)
#   -kr        black generation: ramp (Argyll default GCR)
#   -l N       total ink limit (TAC) in percent, see each profile
#   -nc        don't embed the .ti3 measurement data in the profile (size)
COMMON="-v -qm -S $SRGB -cmt -dpp -kr -nc"

# 1. FOGRA39 (ISO 12647-2:2004/Amd 1, coated paper type 1/2), TAC 330 %
cp "$DATA/FOGRA39L.ti3" "$WORK/FOGRA39L.ti3"
colprof $COMMON -l330 \
    -A "Fogra (characterisation data)" \
    -M "Offset, ISO 12647-2:2004/Amd 1, paper type 1/2 coated, FOGRA39L" \
    -D "FOGRA39 (ISO 12647-2:2004 coated) - built with ArgyllCMS from icc-profiles-free data" \
    -C "Built from FOGRA39L characterisation data (Fogra) as shipped in Debian icc-profiles-free (zlib licence). No warranty." \
    -O "$OUT/FOGRA39-coated.icc" "$WORK/FOGRA39L"

# 2. SNAP newsprint (ANSI CGATS/SNAP TR 002-2007, coldset), TAC 260 %
cp "$DATA/TR002.ti3" "$WORK/TR002.ti3"
colprof $COMMON -l260 \
    -A "ANSI CGATS / SNAP Committee (characterisation data)" \
    -M "Coldset offset on newsprint, CGATS TR 002-2007" \
    -D "SNAP newsprint (CGATS TR 002-2007) - built with ArgyllCMS from icc-profiles-free data" \
    -C "Characterization data source: ANSI CGATS/SNAP TR 002-2007, Copyright 2007 NPES. Profile built with ArgyllCMS. No warranty." \
    -O "$OUT/SNAP-newsprint.icc" "$WORK/TR002"

# 3. GRACoL (ANSI CGATS/GRACoL TR 006-2007, grade 1 coated), TAC 320 %
cp "$DATA/TR006.ti3" "$WORK/TR006.ti3"
colprof $COMMON -l320 \
    -A "ANSI CGATS / GRACoL Committee (characterisation data)" \
    -M "Offset on grade 1 coated paper, CGATS TR 006-2007" \
    -D "GRACoL coated (CGATS TR 006-2007) - built with ArgyllCMS from icc-profiles-free data" \
    -C "Characterization data source: ANSI CGATS/GRACoL TR 006-2007, Copyright 2007 NPES. Profile built with ArgyllCMS. No warranty." \
    -O "$OUT/GRACoL-coated.icc" "$WORK/TR006"

ls -l "$OUT"/*.icc
