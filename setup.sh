#!/usr/bin/env bash
# Hoard's two set-up commands (see README.md):
#   ./setup.sh run   install what is missing, build, and start Hoard on the bundled model
#   ./setup.sh test  install what is missing, build, and run every test
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-}
if [[ "$mode" != run && "$mode" != test ]]; then
    echo "usage: ./setup.sh run|test" >&2
    exit 2
fi

packages=(build-essential cmake ninja-build ccache pkg-config git python3
          qt6-base-dev nlohmann-json3-dev libsqlite3-dev libcli11-dev libvulkan-dev
          # the desktop app: Qt Quick and the QML modules its views import
          qt6-declarative-dev qml6-module-qtquick qml6-module-qtquick-controls
          qml6-module-qtquick-layouts qml6-module-qtquick-window qml6-module-qtquick-templates
          qml6-module-qtquick-dialogs qml6-module-qtquick-shapes qml6-module-qtqml-workerscript
          qml6-module-qtqml-models qml6-module-qttest qml6-module-qt-labs-folderlistmodel)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The Rust crate's tests need cargo; any cargo on PATH will do (the crate needs no downloads).
command -v cargo >/dev/null 2>&1 || missing+=(cargo)
if ((${#missing[@]})); then
    echo "== Installing missing Debian packages: ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build_dir=${HOARD_BUILD_DIR:-build}
jobs=$(nproc)
cmake_args=(-S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release)
if [[ "${CI:-}" == true ]]; then
    cmake_args+=(-DHOARD_WERROR=ON)
fi
echo "== Configuring and building in $build_dir ($jobs jobs)"
cmake "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$jobs"

model="$build_dir/models/hoard-tiny-moe.gguf"
if [[ "$mode" == test ]]; then
    echo "== Running the tests"
    ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 900
else
    if [[ -x "$build_dir/gui/hoard-desktop" ]] && [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
        echo "== Starting the Hoard desktop app on the bundled model ($model)"
        exec "$build_dir/gui/hoard-desktop" --model "$model"
    fi
    echo "== No display found: starting a terminal chat with the bundled model ($model)"
    exec "$build_dir/core/hoard" chat -m "$model"
fi
