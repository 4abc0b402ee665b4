#include "backend/cuda/forward_pass.hpp"

#include "backend/cuda/attention.hpp"
#include "backend/cuda/cublas_prefill.hpp"
#include "backend/cuda/device_kv_cache.hpp"
#include "backend/cuda/device_weights.hpp"
#include "backend/cuda/gemm.hpp"
#include "backend/cuda/matvec.hpp"
#include "backend/cuda/mmq.hpp"
#include "backend/cuda/rope_kv.hpp"
#include "backend/cuda/routing.hpp"
#include "backend/cuda/row_ops.hpp"
#include "model/model_config.hpp"

#include <cmath>

namespace hoard::backend::cuda {
namespace {

using model::ModelConfig;

// The expert outputs of the previous MoE layer, added to the residual stream
// by the next normalization (so no kernel of its own).
struct PendingMix {
    const float* y = nullptr;
    const float* weights = nullptr;
    size_t k = 0;
};

class Pass {
  public:
    Pass(const ModelConfig& c, const DeviceWeights& w, const DeviceKvCache& cache,
         const PassShape& shape, cudaStream_t s, MoeStep* step)
        : c_(c), w_(w), cache_(cache), b_(cache.buffers()), n_(shape.n_tokens),
          all_(shape.all_logits), s_(s), step_(step),
          cublas_(shape.cublas && shape.n_tokens > 1 && shape.n_tokens >= shape.cublas->min_tokens()
                      ? shape.cublas
                      : nullptr) {}

    void run() {
        embed_rows(w_.token_embd, b_.tokens, n_, b_.x, s_);
        rope_angles(b_.meta, n_, c_.n_rot, c_.rope_base, b_.angles, s_);
        for (size_t l = 0; l < c_.n_layer; ++l) {
            attention_block(l);
            if (c_.is_moe())
                moe_block(l, w_.layers[l]);
            else
                dense_block(w_.layers[l]);
        }
        output_head();
    }

  private:
    bool decode() const { return n_ == 1; }

    // Where a normalization writes its rows, in the encodings their readers take.
    struct Outputs {
        float* f32 = nullptr;
        uint8_t* int8 = nullptr;
        __half* f16 = nullptr;
        size_t f16_stride = 0;
        bool f16_grid = false; // float16 rows on the int8 grid (a quantized reader)
    };

    // Whether a batch multiplies this matrix with int8 activations (mmq);
    // cuBLAS batches read float16 rows.
    bool int8_batch(const DeviceMatrix& m) const {
        return !cublas_ && int8_batches() && mmq_supports(m.format) && m.row_length % 32 == 0;
    }

    // Matrix-vector readers take int8 rows (quantized weights) or float rows;
    // matrix-product readers take int8 rows (quantized weights, mmq) or
    // float16 rows (gemm).
    Outputs for_readers(bool matvec_path, std::initializer_list<const DeviceMatrix*> readers,
                        float* f32, uint8_t* int8, __half* f16, size_t f16_stride) const {
        Outputs o;
        for (const DeviceMatrix* m : readers) {
            if (!matvec_path && int8_batch(*m)) {
                o.int8 = int8;
            } else if (!matvec_path) {
                o.f16 = f16;
                o.f16_stride = f16_stride;
                o.f16_grid = o.f16_grid || takes_int8_activations(m->format);
            } else if (takes_int8_activations(m->format)) {
                o.int8 = int8;
            } else {
                o.f32 = f32;
            }
        }
        return o;
    }

    // Adds a pending expert mixture to rows of `x`, normalizes them (with
    // `weight`, unless `norm` is false) and writes the encodings in `o`.
    void encode(float* x, size_t rows, size_t n, const float* weight, bool norm, Outputs o) {
        RowNormJob j;
        j.x = x;
        j.n_rows = rows;
        j.n = n;
        j.norm = norm;
        j.weight = weight;
        j.eps = c_.rms_eps;
        if (mix_.y) {
            j.mix = mix_.y;
            j.mix_weights = mix_.weights;
            j.mix_k = mix_.k;
            mix_ = {};
        }
        // Unnormalized float rows are read where they are.
        j.out_f32 = (!norm && o.f32 == x) ? nullptr : o.f32;
        j.out_int8 = o.int8;
        j.out_f16 = o.f16;
        j.f16_stride = o.f16_stride;
        j.f16_int8_grid = o.f16 != nullptr && o.f16_grid;
        if (!j.out_f32 && !j.out_int8 && !j.out_f16 && !j.mix && !norm) return;
        normalize_rows(j, s_);
    }

    // The activation a decode-path matrix reads: int8 rows or float rows.
    const void* act(const DeviceMatrix& m, const uint8_t* int8, const float* f32) const {
        return takes_int8_activations(m.format) ? static_cast<const void*>(int8) : f32;
    }
    size_t act_stride(const DeviceMatrix& m, size_t n) const {
        return takes_int8_activations(m.format) ? int8_row_bytes(n) : n * sizeof(float);
    }

    void project(const DeviceMatrix& m, const uint8_t* int8, const float* f32, const __half* f16,
                 size_t f16_stride, float* out, size_t out_stride, bool add) {
        if (decode()) {
            MatvecProblems p;
            p.w = m;
            p.x = act(m, int8, f32);
            p.out = out;
            p.output = add ? MatvecOutput::Add : MatvecOutput::Store;
            matvec(p, s_);
        } else if (cublas_ && f16 &&
                   cublas_->project(m, f16, f16_stride, n_, out, out_stride, add)) {
            return;
        } else if (int8_batch(m)) {
            MmqProblem p;
            p.w = m;
            p.a = int8;
            p.a_stride = int8_row_bytes(m.row_length);
            p.m = n_;
            p.out = out;
            p.out_stride = out_stride;
            p.output = add ? MmqOutput::Add : MmqOutput::Store;
            mmq(p, s_);
        } else {
            GemmProblem p;
            p.w = m;
            p.a = f16;
            p.a_stride = f16_stride;
            p.m = n_;
            p.out = out;
            p.out_stride = out_stride;
            p.output = add ? GemmOutput::Add : GemmOutput::Store;
            gemm(p, s_);
        }
    }

    void attention_block(size_t l) {
        const DeviceLayer& w = w_.layers[l];
        encode(b_.x, n_, c_.n_embd, w.attn_norm, true,
               for_readers(decode(), {&w.wq, &w.wk, &w.wv}, b_.xn, b_.xq, b_.xh, b_.embd_pad));
        project(w.wq, b_.xq, b_.xn, b_.xh, b_.embd_pad, b_.q, c_.q_width(), false);
        project(w.wk, b_.xq, b_.xn, b_.xh, b_.embd_pad, b_.k, c_.k_width(), false);
        project(w.wv, b_.xq, b_.xn, b_.xh, b_.embd_pad, b_.v, c_.v_width(), false);

        QkvRopeJob r;
        r.q = b_.q;
        r.k = b_.k;
        r.v = b_.v;
        r.n_tokens = n_;
        r.n_head = c_.n_head;
        r.n_head_kv = c_.n_head_kv;
        r.head_dim = c_.head_dim;
        r.head_dim_v = c_.head_dim_v;
        r.q_norm = w.q_norm;
        r.k_norm = w.k_norm;
        r.eps = c_.rms_eps;
        r.angles = b_.angles;
        r.n_rot = c_.n_rot;
        r.kind =
            c_.rope_style == backend::cpu::RopeStyle::NeoX ? RopeKind::NeoX : RopeKind::Interleaved;
        r.k_cache = cache_.keys(l);
        r.v_cache = cache_.values(l);
        r.first_position = b_.meta;
        qkv_rope_store(r, s_);

        AttentionJob a;
        a.q = b_.q;
        a.out = b_.attn;
        a.k_cache = cache_.keys(l);
        a.v_cache = cache_.values(l);
        a.n_tokens = n_;
        a.n_head = c_.n_head;
        a.n_head_kv = c_.n_head_kv;
        a.head_dim = c_.head_dim;
        a.head_dim_v = c_.head_dim_v;
        a.scale = 1.0f / std::sqrt(float(c_.head_dim));
        a.first_position = b_.meta;
        attention(a, s_);

        const size_t aw = c_.attn_out_width();
        encode(b_.attn, n_, aw, nullptr, false,
               for_readers(decode(), {&w.wo}, b_.attn, b_.attn_q, b_.attn_h, b_.attn_pad));
        project(w.wo, b_.attn_q, b_.attn, b_.attn_h, b_.attn_pad, b_.x, c_.n_embd, true);
    }

    void moe_block(size_t l, const DeviceLayer& w) {
        const size_t k = c_.n_expert_used;
        // The router goes through the matrix-vector kernel on both paths, one
        // problem per token, with the activations its own format takes: it is
        // small, and near-ties of its logits decide which experts run.
        Outputs o = for_readers(decode(), {&w.gate}, b_.xn, b_.xq, b_.xh, b_.embd_pad);
        const Outputs router = for_readers(true, {&w.router}, b_.xn, b_.xq, nullptr, 0);
        if (router.f32) o.f32 = router.f32;
        if (router.int8) o.int8 = router.int8;
        if (step_) {
            // The offload engine's experts may be of any format (and some run
            // on the CPU from the float rows): every encoding it may read.
            o.f32 = b_.xn;
            o.int8 = b_.xq;
            if (!decode()) {
                o.f16 = b_.xh;
                o.f16_stride = b_.embd_pad;
                o.f16_grid = true;
            }
        }
        encode(b_.x, n_, c_.n_embd, w.ffn_norm, true, o);
        MatvecProblems r;
        r.w = w.router;
        r.w.matrix_stride = 0; // every token's problem reads the one router
        r.x = act(w.router, b_.xq, b_.xn);
        r.x_stride = act_stride(w.router, c_.n_embd);
        r.out = b_.router_logits;
        r.out_stride = c_.n_expert;
        r.n_problems = n_;
        matvec(r, s_);
        const size_t logged = l * b_.batch * k;
        route_tokens(b_.router_logits, n_, c_.n_expert, k, c_.normalize_expert_weights, b_.selected,
                     b_.gate_weights, s_, b_.routing_log + logged, b_.gate_log + logged);
        if (step_) {
            step_->run(l, n_);
            mix_ = {b_.y, b_.gate_weights, k};
            return;
        }

        if (decode()) {
            MatvecProblems gu;
            gu.w = w.gate;
            gu.w2 = w.up;
            gu.ids = b_.selected;
            gu.x = act(w.gate, b_.xq, b_.xn);
            gu.out = b_.h32;
            gu.out_stride = b_.ff;
            gu.n_problems = k;
            gu.output = MatvecOutput::SiluMul;
            matvec(gu, s_);
            encode(b_.h32, k, b_.ff, nullptr, false,
                   for_readers(true, {&w.down}, b_.h32, b_.hq, nullptr, 0));
            MatvecProblems d;
            d.w = w.down;
            d.ids = b_.selected;
            d.x = act(w.down, b_.hq, b_.h32);
            d.x_stride = act_stride(w.down, b_.ff);
            d.out = b_.y;
            d.out_stride = c_.n_embd;
            d.n_problems = k;
            matvec(d, s_);
        } else {
            group_pairs(b_.selected, n_ * k, c_.n_expert, b_.counts, b_.offsets, b_.pairs, s_);
            if (cublas_) {
                cublas_->experts(w.gate, w.up, w.down, b_, n_, k,
                                 takes_int8_activations(w.down.format));
            } else if (int8_batch(w.gate) && int8_batch(w.down) && b_.ff % 32 == 0) {
                // h as int8 rows in the float16 buffer (they take less room).
                uint8_t* h8 = reinterpret_cast<uint8_t*>(b_.h16);
                MmqProblem gu;
                gu.w = w.gate;
                gu.w2 = w.up;
                gu.a = b_.xq;
                gu.a_stride = int8_row_bytes(c_.n_embd);
                gu.m = n_;
                gu.offsets = b_.offsets;
                gu.list = b_.pairs;
                gu.a_row_divisor = uint32_t(k);
                gu.out = h8;
                gu.out_stride = int8_row_bytes(b_.ff);
                gu.output = MmqOutput::SiluMulInt8;
                mmq(gu, s_);
                MmqProblem d;
                d.w = w.down;
                d.a = h8;
                d.a_stride = int8_row_bytes(b_.ff);
                d.m = n_;
                d.offsets = b_.offsets;
                d.list = b_.pairs;
                d.out = b_.y;
                d.out_stride = c_.n_embd;
                mmq(d, s_);
            } else {
                GemmProblem gu;
                gu.w = w.gate;
                gu.w2 = w.up;
                gu.a = b_.xh;
                gu.a_stride = b_.embd_pad;
                gu.m = n_;
                gu.offsets = b_.offsets;
                gu.list = b_.pairs;
                gu.a_row_divisor = uint32_t(k);
                gu.out = b_.h16;
                gu.out_stride = b_.ff_pad;
                gu.output = GemmOutput::SiluMulHalf;
                gu.half_int8_grid = takes_int8_activations(w.down.format);
                gemm(gu, s_);
                GemmProblem d;
                d.w = w.down;
                d.a = b_.h16;
                d.a_stride = b_.ff_pad;
                d.m = n_;
                d.offsets = b_.offsets;
                d.list = b_.pairs;
                d.out = b_.y;
                d.out_stride = c_.n_embd;
                gemm(d, s_);
            }
        }
        mix_ = {b_.y, b_.gate_weights, k};
    }

    void dense_block(const DeviceLayer& w) {
        encode(b_.x, n_, c_.n_embd, w.ffn_norm, true,
               for_readers(decode(), {&w.gate}, b_.xn, b_.xq, b_.xh, b_.embd_pad));
        if (decode()) {
            MatvecProblems gu;
            gu.w = w.gate;
            gu.w2 = w.up;
            gu.x = act(w.gate, b_.xq, b_.xn);
            gu.out = b_.h32;
            gu.output = MatvecOutput::SiluMul;
            matvec(gu, s_);
            encode(b_.h32, 1, b_.ff, nullptr, false,
                   for_readers(true, {&w.down}, b_.h32, b_.hq, nullptr, 0));
            project(w.down, b_.hq, b_.h32, nullptr, 0, b_.x, c_.n_embd, true);
        } else if (int8_batch(w.gate) && int8_batch(w.down) && b_.ff % 32 == 0) {
            uint8_t* h8 = reinterpret_cast<uint8_t*>(b_.h16); // int8 rows take less room
            MmqProblem gu;
            gu.w = w.gate;
            gu.w2 = w.up;
            gu.a = b_.xq;
            gu.a_stride = int8_row_bytes(c_.n_embd);
            gu.m = n_;
            gu.out = h8;
            gu.out_stride = int8_row_bytes(b_.ff);
            gu.output = MmqOutput::SiluMulInt8;
            mmq(gu, s_);
            project(w.down, h8, nullptr, nullptr, 0, b_.x, c_.n_embd, true);
        } else {
            GemmProblem gu;
            gu.w = w.gate;
            gu.w2 = w.up;
            gu.a = b_.xh;
            gu.a_stride = b_.embd_pad;
            gu.m = n_;
            gu.out = b_.h16;
            gu.out_stride = b_.ff_pad;
            gu.output = GemmOutput::SiluMulHalf;
            gu.half_int8_grid = takes_int8_activations(w.down.format);
            gemm(gu, s_);
            project(w.down, nullptr, nullptr, b_.h16, b_.ff_pad, b_.x, c_.n_embd, true);
        }
    }

    void output_head() {
        if (all_ && n_ > 1) {
            encode(b_.x, n_, c_.n_embd, w_.output_norm, true,
                   for_readers(false, {&w_.output}, b_.xn, b_.xq, b_.xh, b_.embd_pad));
            project(w_.output, b_.xq, b_.xn, b_.xh, b_.embd_pad, b_.logits, c_.n_vocab, false);
            return;
        }
        // Only the last token: its row alone goes through the norm and the head.
        const size_t last = n_ - 1;
        if (mix_.y) {
            mix_.y += last * mix_.k * c_.n_embd;
            mix_.weights += last * mix_.k;
        }
        const size_t saved = n_;
        n_ = 1; // the decode path for one row
        encode(b_.x + last * c_.n_embd, 1, c_.n_embd, w_.output_norm, true,
               for_readers(true, {&w_.output}, b_.xn, b_.xq, nullptr, 0));
        project(w_.output, b_.xq, b_.xn, nullptr, 0, b_.logits, c_.n_vocab, false);
        n_ = saved;
    }

    const ModelConfig& c_;
    const DeviceWeights& w_;
    const DeviceKvCache& cache_;
    const PassBuffers& b_;
    size_t n_;
    bool all_;
    cudaStream_t s_;
    MoeStep* step_;
    CublasPrefill* cublas_;
    PendingMix mix_;
};

} // namespace

void run_forward_pass(const ModelConfig& config, const DeviceWeights& weights,
                      const DeviceKvCache& cache, const PassShape& shape, cudaStream_t stream,
                      MoeStep* moe_step) {
    Pass(config, weights, cache, shape, stream, moe_step).run();
}

} // namespace hoard::backend::cuda
