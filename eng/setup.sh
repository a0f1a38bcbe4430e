#!/usr/bin/env bash
# Makes this machine able to build and test I3D.Net. Idempotent: a second run changes nothing and is quick.
#
# Why: TorchSharp 0.107.0's native shim (libLibTorchSharp.so) is built against GCC 13's libstdc++ and needs
# the symbol version GLIBCXX_3.4.32. Debian 12 ships GLIBCXX_3.4.30, and TorchSharp then reports a misleading
# "doesn't contain a reference to libtorch-cpu" error. On Debian 12 we take libstdc++6 (and the libc6 it needs)
# from Debian 13 through a low-priority apt pin, so nothing else is upgraded from Debian 13 by accident.
# Other systems need glibc >= 2.38 and GCC 13's libstdc++ (Ubuntu 24.04+, Debian 13+); we never change them.
set -euo pipefail

say() { printf 'setup: %s\n' "$*"; }

has_glibcxx_3_4_32() {
  local lib
  lib=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  [[ -z "$lib" ]] && lib=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
  [[ -r "$lib" ]] && grep -aq 'GLIBCXX_3\.4\.32' "$lib"
}

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

os_id=unknown; os_version=unknown
if [[ -r /etc/os-release ]]; then . /etc/os-release; os_id=${ID:-unknown}; os_version=${VERSION_ID:-unknown}; fi

apt_updated=0
apt_update_once() { if [[ $apt_updated -eq 0 ]]; then say "apt-get update"; as_root apt-get update -qq; apt_updated=1; fi; }

# 1. libstdc++ with GLIBCXX_3.4.32 (TorchSharp's native shim).
if has_glibcxx_3_4_32; then
  say "libstdc++ provides GLIBCXX_3.4.32: nothing to do"
elif [[ "$os_id" == debian && "$os_version" == 12 ]]; then
  say "Debian 12's libstdc++ lacks GLIBCXX_3.4.32 (TorchSharp 0.107 needs GCC 13's): installing libstdc++6 from Debian 13 (trixie) with a low pin"
  if [[ ! -f /etc/apt/sources.list.d/trixie.sources ]]; then
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      | as_root tee /etc/apt/sources.list.d/trixie.sources >/dev/null
    say "added /etc/apt/sources.list.d/trixie.sources"
  fi
  if [[ ! -f /etc/apt/preferences.d/trixie-low ]]; then
    # Priority 100: trixie packages are never chosen unless asked for with -t trixie.
    printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | as_root tee /etc/apt/preferences.d/trixie-low >/dev/null
    say "added /etc/apt/preferences.d/trixie-low (pin priority 100)"
  fi
  apt_update_once
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie libstdc++6 >/dev/null
  has_glibcxx_3_4_32 || { say "ERROR: libstdc++6 from trixie installed but GLIBCXX_3.4.32 is still missing"; exit 1; }
  say "installed libstdc++6 $(dpkg-query -W -f='${Version}' libstdc++6) (libc6 $(dpkg-query -W -f='${Version}' libc6))"
else
  cat >&2 <<MSG
setup: ERROR: this system's libstdc++ lacks GLIBCXX_3.4.32 (found: $(grep -ao 'GLIBCXX_3\.4\.[0-9]*' /usr/lib/x86_64-linux-gnu/libstdc++.so.6 2>/dev/null | sort -V | tail -1 || echo none)).
setup: TorchSharp 0.107.0 needs glibc >= 2.38 and GCC 13's libstdc++: use Ubuntu 24.04+, Debian 13+ or an equivalent.
setup: (On Debian 12 this script installs libstdc++6 from Debian 13 itself; $os_id $os_version is not changed automatically.)
MSG
  exit 1
fi

# 2. Other system packages (Debian/Ubuntu only), each as "name" or "name|t64-name" (Debian 13 / Ubuntu 24.04 renamed some):
#    libgomp1    libtorch's OpenMP runtime
#    libgtk-3-0  needed by OpenCvSharp's native library (video decoding), even without a display
#    ffmpeg      ffmpeg/ffprobe for FfmpegVideoReader (codecs OpenCV's bundled FFmpeg cannot decode, e.g. AV1)
if command -v dpkg-query >/dev/null; then
  wanted=(libgomp1 "libgtk-3-0|libgtk-3-0t64" ffmpeg)
  is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
  missing=(); present=()
  for spec in "${wanted[@]}"; do
    found=""
    IFS='|' read -ra names <<<"$spec"
    for n in "${names[@]}"; do if is_installed "$n"; then found=$n; break; fi; done
    if [[ -n "$found" ]]; then present+=("$found"); continue; fi
    apt_update_once
    # Install the name this release actually has (the t64 variant where the plain one is only virtual).
    pick=${names[0]}
    for n in "${names[@]}"; do
      if [[ -n "$(apt-cache show "$n" 2>/dev/null | head -1)" ]]; then pick=$n; break; fi
    done
    missing+=("$pick")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    say "installing ${missing[*]} (apt-get install --no-install-recommends)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    for p in "${missing[@]}"; do say "installed $p $(dpkg-query -W -f='${Version}' "$p")"; done
  else
    say "system packages present: ${present[*]}"
  fi
fi

command -v dotnet >/dev/null || { say "ERROR: the .NET SDK 10 is required (dotnet not on PATH)"; exit 1; }
say "ready"
