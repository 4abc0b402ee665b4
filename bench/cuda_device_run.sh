#!/bin/bash
# Runs the CUDA tests and benchmarks on a lent GPU machine, from binaries built
# elsewhere (see bench/RESULTS.md for how they travel). Usage:
#
#   bench/cuda_device_run.sh CARRY_DIR OUT_DIR [steps...]
#
# CARRY_DIR holds bin/ (test_cuda, hoard_cuda_bench, hoard), qt.tar.xz (the Qt
# runtime the test needs, when the machine has none) and models/ (conformance
# data). Steps (default: all): info tests kernels model sanitize; also
# sweep and model_sweep (tuning runs over the matrix-vector launch settings). Each step runs on its
# own with a time limit, so one failure does not hide the others' results.
# Also: offload (the offload engine over the real link; OFFLOAD_ARGS adds
# options, e.g. "--budgets 8,12 --policies lru"), offload_tests (the GPU
# offload tests alone), facade (the engine facade on the GPU: its test, and
# `hoard bench --backend cuda` all in VRAM and at BENCH_VRAM, default 12G).
set -u
carry=$(readlink -f "$1")
out=$2
shift 2
steps=${*:-info tests kernels model sanitize}
mkdir -p "$out"
export PYTHONUNBUFFERED=1

# The bundle holds Qt and the small libraries the binaries were linked with;
# glibc and libstdc++ come from the machine (same or newer than the build's).
if [ -e "$carry/qt.tar.xz" ]; then
    mkdir -p /tmp/hoard-qt
    python3 -c "import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" \
        "$carry/qt.tar.xz" /tmp/hoard-qt
    export LD_LIBRARY_PATH=/tmp/hoard-qt${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
if [ -e "$carry/bins.tar.xz" ]; then
    mkdir -p "$carry/bin"
    python3 -c "import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" \
        "$carry/bins.tar.xz" "$carry/bin"
fi
for f in "$carry"/models/*.xz; do
    [ -e "$f" ] || continue
    python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" \
        "$f" "${f%.xz}" && rm -f "$f"
done
export HOARD_CONFORMANCE_DIR=$carry

step() { # name, seconds, command...
    local name=$1 limit=$2
    shift 2
    echo "=== $name: $*"
    local t0=$(date +%s%N)
    timeout "$limit" "$@" > "$out/$name.log" 2>&1
    local rc=$?
    local t1=$(date +%s%N)
    echo "=== $name: exit $rc after $(( (t1 - t0) / 1000000 )) ms"
}

for s in $steps; do
    case $s in
    info)
        { date -u; uname -a; nvidia-smi; nvidia-smi -q -d CLOCK,MEMORY | head -60; nproc; free -g; df -h /tmp
          ldconfig -p | grep -E "Qt6|icu|sqlite|pcre2|double-conv|libb2|glib-2|zstd|gomp"; } \
            > "$out/info.log" 2>&1
        grep -m1 "NVIDIA H\|Driver Version" "$out/info.log"
        ;;
    tests)
        # The int8 batched products without tensor cores too.
        HOARD_CUDA_MMQ=dp4a step tests_dp4a 60 "$carry/bin/test_cuda" mmqMatchesReference conformance greedyDecoding
        grep -E "^(FAIL|Totals)|Loc:" "$out/tests_dp4a.log" | sed "s/^/[dp4a] /"
        step tests "${TESTS_LIMIT:-420}" "$carry/bin/test_cuda" -v1
        grep -E "^(FAIL|SKIP|XFAIL|QINFO|QWARN|Totals)|Loc:" "$out/tests.log" | cut -c1-220
        ;;
    kernels)
        step kernels 300 "$carry/bin/hoard_cuda_bench" matvec
        step gemm 120 "$carry/bin/hoard_cuda_bench" gemm
        cat "$out/kernels.log" "$out/gemm.log" | cut -c1-160
        ;;
    sweep)
        # Matrix-vector staging size (KiB) and grid size (blocks per multiprocessor).
        for kb in 8 16 24 40; do
            for bps in 2 8; do
                HOARD_CUDA_MATVEC_STAGE_KB=$kb HOARD_CUDA_MATVEC_BLOCKS_PER_SM=$bps \
                    step "sweep_${kb}_${bps}" 60 "$carry/bin/hoard_cuda_bench" matvec q4_K q6_K q8_0
                awk -v c="stage ${kb} KiB, ${bps}/SM:" '/^q[0-9]/ {printf "%s %s %s %s %s\n", c, $1, $2, $(NF-1), $NF}' \
                    "$out/sweep_${kb}_${bps}.log"
            done
        done
        ;;
    model_sweep)
        [ -e /tmp/m.gguf ] || step synth 400 "$carry/bin/hoard" synth --shape mixtral-8x7b --type q4_k_m -o /tmp/m.gguf
        for cfg in 40_2 16_8 8_8 16_2; do
            HOARD_CUDA_MATVEC_STAGE_KB=${cfg%_*} HOARD_CUDA_MATVEC_BLOCKS_PER_SM=${cfg#*_} \
                step "model_$cfg" 120 "$carry/bin/hoard_cuda_bench" model /tmp/m.gguf --prompt 512 --decode 64
            grep -E "decode:|prefill:" "$out/model_$cfg.log" | sed "s/^/[$cfg] /" | cut -c1-200
        done
        ;;
    sanitize)
        cs=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
        step sanitize 240 "$cs" --tool memcheck --error-exitcode 9 "$carry/bin/test_cuda" \
            dequantizeExact matvecMatchesReference gemmMatchesReference normalizeAndEncode \
            ropeAndCache attentionMatchesCpu routingMatchesCpu conformance greedyDecoding
        grep -E "^(PASS|FAIL|Totals)|ERROR SUMMARY|Invalid|out of bounds" "$out/sanitize.log" | head -30
        ;;
    offload_tests)
        step offload_tests 300 "$carry/bin/test_cuda" -v1 offloadMatchesResidentModel \
            offloadUnderBudgetWithCpuAndLoads offloadStaysWithinBudget offloadLowPrecision \
            gpuQuantizerQuality conformance greedyDecoding
        grep -E "^(FAIL|SKIP|QINFO|Totals)|Loc:" "$out/offload_tests.log" | cut -c1-260
        ;;
    offload)
        [ -e /tmp/m.gguf ] || step synth 400 "$carry/bin/hoard" synth --shape mixtral-8x7b --type q4_k_m -o /tmp/m.gguf
        export HOARD_CACHE_DIR=/tmp/hoard-cache
        # shellcheck disable=SC2086
        step offload "${OFFLOAD_LIMIT:-420}" "$carry/bin/hoard_cuda_bench" offload /tmp/m.gguf \
            --json "$out/offload.jsonl" ${OFFLOAD_ARGS:-}
        grep -vE "^\s*$" "$out/offload.log" | cut -c1-200
        ;;
    model)
        [ -e /tmp/m.gguf ] || step synth 400 "$carry/bin/hoard" synth --shape mixtral-8x7b --type q4_k_m -o /tmp/m.gguf
        tail -3 "$out/synth.log"; ls -l /tmp/m.gguf
        step model 300 "$carry/bin/hoard_cuda_bench" model /tmp/m.gguf --prompt 512 --decode 128
        [ -n "${MODEL_DIRECT:-}" ] && step model_direct 200 "$carry/bin/hoard_cuda_bench" model /tmp/m.gguf --prompt 512 --decode 64 --no-graphs
        # The float16 tensor-core prefill, for comparison with the int8 one.
        HOARD_CUDA_F16_PREFILL=1 step model_f16 120 "$carry/bin/hoard_cuda_bench" model /tmp/m.gguf --prompt 512 --decode 16
        # The int8 prefill without tensor cores (dp4a), likewise.
        HOARD_CUDA_MMQ=dp4a step model_dp4a 120 "$carry/bin/hoard_cuda_bench" model /tmp/m.gguf --prompt 512 --decode 16
        grep -E "prefill:|decode:" "$out"/model*.log | cut -c1-220
        ;;
    facade)
        step facade_tests 180 "$carry/bin/test_cuda" -v1 facadeRunsOnTheGpu
        grep -E "^(PASS|FAIL|SKIP|QINFO|Totals)|Loc:" "$out/facade_tests.log" | cut -c1-260
        [ -e /tmp/m.gguf ] || step synth 400 "$carry/bin/hoard" synth --shape mixtral-8x7b --type q4_k_m -o /tmp/m.gguf
        export HOARD_CACHE_DIR=/tmp/hoard-cache
        step bench_vram 150 "$carry/bin/hoard" bench -m /tmp/m.gguf --backend cuda -p 512 -n 64
        for precision in ${BENCH_PRECISIONS:-off on}; do
            step "bench_${BENCH_VRAM:-12G}_$precision" "${BENCH_LIMIT:-150}" "$carry/bin/hoard" bench \
                -m /tmp/m.gguf --backend cuda --vram "${BENCH_VRAM:-12G}" --precision "$precision" \
                --offload-cache /tmp/hoard-cache -p 512 -n 64
        done
        for f in "$out"/bench_*.log; do echo "--- $f"; grep -vE "^\s*$" "$f" | cut -c1-220; done
        ;;
    esac
done
