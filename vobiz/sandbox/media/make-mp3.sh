#!/bin/sh
# Rebuilds speech.mp3 and floor.mp3, the frames the sandbox builds its MP3
# recordings from (docs/vobiz-api.md#recordings). Needs LAME
# (apt-get install lame). Run from the repository root:
#   sh vobiz/sandbox/media/make-mp3.sh
# The sources are the sandbox's own synthetic audio (8 kHz, mono),
# written by TestWriteMP3Sources. LAME encodes them at 16 kHz, 32 kbit/s
# constant bit rate (144-byte frames, no padding), without the bit
# reservoir (--nores) so every frame decodes on its own, and without the
# Xing/Info tag frame (-t) so every frame is audio.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
CDRDASH_MP3_SOURCE_DIR="$dir" go test -count=1 -run TestWriteMP3Sources ./vobiz/sandbox/
for name in speech floor; do
	lame --quiet --nores --cbr -b 32 --resample 16 -m m -t "$dir/$name.wav" "vobiz/sandbox/media/$name.mp3"
done
ls -l vobiz/sandbox/media/*.mp3
