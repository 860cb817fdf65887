// The `names` training step in plain C, as MicroGPT-C writes it: float arrays, loops, forward, backward and Adam,
// no library. The bench's peer row for the per-kernel overhead of our planned pass (issue 20): same model (the
// microgpt shape: 1 layer, 4 heads, width 16, context 16, MLP 64, RMSNorm without gains before the embedding
// sum's use and in the block, ReLU, no biases, untied head), same batch (8 documents a step, each BOS … BOS
// cropped to 17 tokens), same optimizer (Adam β 0.85/0.99, eps 1e-8, no weight decay, no clipping), same
// schedule (warmup 300 steps to 0.01, then cosine to 0.001 at step 3000).
// Each document runs at its own length (padding costs nothing here; our pass pads a batch to its longest).
//
//   names-step train NAMES_TXT STEPS SEED  trains STEPS steps; prints one JSON line: tokens/s per chunk of
//                                          CHUNK steps after WARMUP steps (median), tokens per CPU second over
//                                          every step after WARMUP, the first and last losses
//   names-step check WEIGHTS BATCH STEPS   STEPS steps on one batch from given weights; prints each loss
//
// WEIGHTS: int32 V, then float32 wte (V,C), wpe (T,C), q, k, v, o (C,C), fc1 (F,C), fc2 (C,F), lm_head (V,C).
// BATCH: int32 B, T, then x (B,T) and y (B,T) int32 ids, y = -1 where no loss (padding at the end of a row).
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { C = 16, NH = 4, HS = C / NH, T = 16, F = 64, B = 8, MAXV = 256, WARMUP = 200, CHUNK = 500 };
static const float LR = 0.01f, MIN_LR = 0.001f, BETA1 = 0.85f, BETA2 = 0.99f, EPS_ADAM = 1e-8f, EPS_NORM = 1e-5f;
static const int WARMUP_STEPS = 300, SCHEDULE_STEPS = 3000;

static int V;
static int nparams;
// Parameters, gradients and Adam's moments: one block each, the tensors at fixed offsets in WEIGHTS' order.
static float *param, *grad, *adam_m, *adam_v;
static float *wte, *wpe, *wq, *wk, *wv, *wo, *fc1, *fc2, *lm;
static float *gwte, *gwpe, *gwq, *gwk, *gwv, *gwo, *gfc1, *gfc2, *glm;

// Activations of one sequence (position-major), kept for the backward pass.
static float x0[T][C], r0[T], x1[T][C], r1[T], n1[T][C], q[T][C], k[T][C], v[T][C], att[NH][T][T], y[T][C];
static float x2[T][C], r2[T], n2[T][C], h[T][F], x3[T][C], logits[T][MAXV];

static void *xmalloc(size_t bytes) {
  void *p = calloc(1, bytes);
  if (!p) { fprintf(stderr, "names-step: out of memory (%zu bytes)\n", bytes); exit(1); }
  return p;
}

static void layout(void) {
  int sizes[] = {V * C, T * C, C * C, C * C, C * C, C * C, F * C, C * F, V * C};
  float **p[] = {&wte, &wpe, &wq, &wk, &wv, &wo, &fc1, &fc2, &lm};
  float **g[] = {&gwte, &gwpe, &gwq, &gwk, &gwv, &gwo, &gfc1, &gfc2, &glm};
  nparams = 0;
  for (int i = 0; i < 9; i++) nparams += sizes[i];
  param = xmalloc(nparams * sizeof(float)), grad = xmalloc(nparams * sizeof(float));
  adam_m = xmalloc(nparams * sizeof(float)), adam_v = xmalloc(nparams * sizeof(float));
  for (int i = 0, at = 0; i < 9; at += sizes[i], i++) *p[i] = param + at, *g[i] = grad + at;
}

// out (n, O) = in (n, I) · Wᵀ, W (O, I).
static void linear(float *out, const float *in, const float *w, int n, int I, int O) {
  for (int t = 0; t < n; t++)
    for (int o = 0; o < O; o++) {
      float s = 0;
      for (int i = 0; i < I; i++) s += in[t * I + i] * w[o * I + i];
      out[t * O + o] = s;
    }
}

// Backward of linear: din (n, I) += dout · W; dW (O, I) += doutᵀ · in.
static void linear_back(float *din, float *dw, const float *dout, const float *in, const float *w, int n, int I, int O) {
  for (int t = 0; t < n; t++)
    for (int o = 0; o < O; o++) {
      float d = dout[t * O + o];
      for (int i = 0; i < I; i++) din[t * I + i] += d * w[o * I + i], dw[o * I + i] += d * in[t * I + i];
    }
}

static void rmsnorm(float *out, float *scale, const float *in, int n) {
  for (int t = 0; t < n; t++) {
    float ss = 0;
    for (int c = 0; c < C; c++) ss += in[t * C + c] * in[t * C + c];
    scale[t] = 1.0f / sqrtf(ss / C + EPS_NORM);
    for (int c = 0; c < C; c++) out[t * C + c] = in[t * C + c] * scale[t];
  }
}

// din += d(x · s)/dx · dout, s = (mean(x²) + eps)^-½.
static void rmsnorm_back(float *din, const float *dout, const float *in, const float *scale, int n) {
  for (int t = 0; t < n; t++) {
    float dot = 0, s = scale[t];
    for (int c = 0; c < C; c++) dot += dout[t * C + c] * in[t * C + c];
    for (int c = 0; c < C; c++) din[t * C + c] += s * dout[t * C + c] - s * s * s / C * dot * in[t * C + c];
  }
}

// Forward and backward of one sequence of n positions; gradients add into grad; returns the summed loss of its
// targets (ignored ones excluded), the gradient scaled by 1/count (the batch mean).
static float sequence(const int *ids, const int *targets, int n, float inv_count) {
  float loss = 0;
  for (int t = 0; t < n; t++)
    for (int c = 0; c < C; c++) x0[t][c] = wte[ids[t] * C + c] + wpe[t * C + c];
  rmsnorm(&x1[0][0], r0, &x0[0][0], n);
  rmsnorm(&n1[0][0], r1, &x1[0][0], n);
  linear(&q[0][0], &n1[0][0], wq, n, C, C);
  linear(&k[0][0], &n1[0][0], wk, n, C, C);
  linear(&v[0][0], &n1[0][0], wv, n, C, C);
  const float inv_sqrt = 1.0f / sqrtf((float)HS);
  for (int hd = 0; hd < NH; hd++)
    for (int t = 0; t < n; t++) {
      float max = -INFINITY, sum = 0;
      for (int s = 0; s <= t; s++) {
        float dot = 0;
        for (int c = hd * HS; c < (hd + 1) * HS; c++) dot += q[t][c] * k[s][c];
        att[hd][t][s] = dot * inv_sqrt;
        if (att[hd][t][s] > max) max = att[hd][t][s];
      }
      for (int s = 0; s <= t; s++) sum += att[hd][t][s] = expf(att[hd][t][s] - max);
      for (int s = 0; s <= t; s++) att[hd][t][s] /= sum;
      for (int c = hd * HS; c < (hd + 1) * HS; c++) {
        float acc = 0;
        for (int s = 0; s <= t; s++) acc += att[hd][t][s] * v[s][c];
        y[t][c] = acc;
      }
    }
  float o[T][C];
  linear(&o[0][0], &y[0][0], wo, n, C, C);
  for (int t = 0; t < n; t++)
    for (int c = 0; c < C; c++) x2[t][c] = x1[t][c] + o[t][c];
  rmsnorm(&n2[0][0], r2, &x2[0][0], n);
  linear(&h[0][0], &n2[0][0], fc1, n, C, F);
  for (int t = 0; t < n; t++)
    for (int f = 0; f < F; f++) h[t][f] = h[t][f] > 0 ? h[t][f] : 0;
  float m[T][C];
  linear(&m[0][0], &h[0][0], fc2, n, F, C);
  for (int t = 0; t < n; t++)
    for (int c = 0; c < C; c++) x3[t][c] = x2[t][c] + m[t][c];
  for (int t = 0; t < n; t++) linear(logits[t], x3[t], lm, 1, C, V);

  // Cross-entropy: dlogits = (softmax − onehot) / count.
  static float dlogits[T][MAXV];
  for (int t = 0; t < n; t++) {
    if (targets[t] < 0) { memset(dlogits[t], 0, V * sizeof(float)); continue; }
    float max = -INFINITY, sum = 0;
    for (int i = 0; i < V; i++) if (logits[t][i] > max) max = logits[t][i];
    for (int i = 0; i < V; i++) sum += dlogits[t][i] = expf(logits[t][i] - max);
    loss += logf(sum) + max - logits[t][targets[t]];
    for (int i = 0; i < V; i++) dlogits[t][i] *= inv_count / sum;
    dlogits[t][targets[t]] -= inv_count;
  }
  float dx3[T][C] = {{0}}, dh[T][F] = {{0}}, dn2[T][C] = {{0}}, dx2[T][C], dy[T][C] = {{0}}, dq[T][C] = {{0}}, dk[T][C] = {{0}}, dv[T][C] = {{0}};
  float dn1[T][C] = {{0}}, dx1[T][C], dx0[T][C] = {{0}};
  for (int t = 0; t < n; t++) linear_back(dx3[t], glm, dlogits[t], x3[t], lm, 1, C, V);
  linear_back(&dh[0][0], gfc2, &dx3[0][0], &h[0][0], fc2, n, F, C);
  for (int t = 0; t < n; t++)
    for (int f = 0; f < F; f++) if (h[t][f] <= 0) dh[t][f] = 0;
  linear_back(&dn2[0][0], gfc1, &dh[0][0], &n2[0][0], fc1, n, C, F);
  memcpy(dx2, dx3, sizeof(dx2));
  rmsnorm_back(&dx2[0][0], &dn2[0][0], &x2[0][0], r2, n);
  linear_back(&dy[0][0], gwo, &dx2[0][0], &y[0][0], wo, n, C, C);
  for (int hd = 0; hd < NH; hd++)
    for (int t = 0; t < n; t++) {
      float datt[T], dot = 0;
      for (int s = 0; s <= t; s++) {
        float d = 0;
        for (int c = hd * HS; c < (hd + 1) * HS; c++) d += dy[t][c] * v[s][c], dv[s][c] += att[hd][t][s] * dy[t][c];
        datt[s] = d;
        dot += d * att[hd][t][s];
      }
      for (int s = 0; s <= t; s++) {
        float ds = att[hd][t][s] * (datt[s] - dot) * inv_sqrt;
        for (int c = hd * HS; c < (hd + 1) * HS; c++) dq[t][c] += ds * k[s][c], dk[s][c] += ds * q[t][c];
      }
    }
  linear_back(&dn1[0][0], gwq, &dq[0][0], &n1[0][0], wq, n, C, C);
  linear_back(&dn1[0][0], gwk, &dk[0][0], &n1[0][0], wk, n, C, C);
  linear_back(&dn1[0][0], gwv, &dv[0][0], &n1[0][0], wv, n, C, C);
  memcpy(dx1, dx2, sizeof(dx1));
  rmsnorm_back(&dx1[0][0], &dn1[0][0], &x1[0][0], r1, n);
  rmsnorm_back(&dx0[0][0], &dx1[0][0], &x0[0][0], r0, n);
  for (int t = 0; t < n; t++)
    for (int c = 0; c < C; c++) gwte[ids[t] * C + c] += dx0[t][c], gwpe[t * C + c] += dx0[t][c];
  return loss;
}

// nanoGPT's get_lr, as the trainer's warmupCosine.
static float lr_at(int step) {
  if (step < WARMUP_STEPS) return LR * (step + 1) / (WARMUP_STEPS + 1);
  if (step > SCHEDULE_STEPS) return MIN_LR;
  double ratio = (double)(step - WARMUP_STEPS) / (SCHEDULE_STEPS - WARMUP_STEPS);
  return MIN_LR + 0.5 * (1.0 + cos(M_PI * ratio)) * (LR - MIN_LR);
}

// One step on rows of x and y (rows × width, y = -1 where ignored): mean loss, then Adam. Returns the loss and
// adds the counted targets to *tokens.
static float step(const int *x, const int *yt, int rows, int width, int stepno, long *tokens) {
  int count = 0;
  for (int i = 0; i < rows * width; i++) count += yt[i] >= 0;
  memset(grad, 0, nparams * sizeof(float));
  float loss = 0;
  for (int b = 0; b < rows; b++) {
    int n = width;
    while (n > 0 && yt[b * width + n - 1] < 0) n--;
    loss += sequence(x + b * width, yt + b * width, n, 1.0f / count);
  }
  float lr = lr_at(stepno);
  float c1 = 1 - powf(BETA1, stepno + 1), c2 = 1 - powf(BETA2, stepno + 1);
  for (int i = 0; i < nparams; i++) {
    adam_m[i] = BETA1 * adam_m[i] + (1 - BETA1) * grad[i];
    adam_v[i] = BETA2 * adam_v[i] + (1 - BETA2) * grad[i] * grad[i];
    param[i] -= lr * (adam_m[i] / c1) / (sqrtf(adam_v[i] / c2) + EPS_ADAM);
  }
  *tokens += count;
  return loss / count;
}

static uint64_t rng_state;
static uint64_t next_u64(void) { // splitmix64
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static double uniform(void) { return (next_u64() >> 11) * (1.0 / 9007199254740992.0); }
static float gauss(float std) { return std * sqrt(-2 * log(1 - uniform())) * cos(2 * M_PI * uniform()); }

static double seconds(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) { return (*(const double *)a > *(const double *)b) - (*(const double *)a < *(const double *)b); }

static int train(const char *path, int steps, uint64_t seed) {
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "names-step: cannot open %s\n", path); return 1; }
  static char text[1 << 22];
  size_t len = fread(text, 1, sizeof(text), f);
  fclose(f);
  if (len == sizeof(text)) { fprintf(stderr, "names-step: %s is larger than %zu bytes; expected a names list\n", path, sizeof(text) - 1); return 1; }
  int present[256] = {0}, id[256];
  for (size_t i = 0; i < len; i++) if (text[i] != '\n' && text[i] != '\r') present[(unsigned char)text[i]] = 1;
  V = 0;
  for (int c = 0; c < 256; c++) if (present[c]) id[c] = V++;
  const int bos = V++; // the tokenizer's order: sorted characters, then BOS
  if (V > MAXV) { fprintf(stderr, "names-step: %s has %d distinct bytes; at most %d fit\n", path, V - 1, MAXV - 1); return 1; }
  // Documents: each line as BOS chars BOS cropped to T + 1 tokens.
  int ndocs = 0, cap = 1024;
  int (*docs)[T + 1] = xmalloc(cap * sizeof(*docs));
  int *lens = xmalloc(cap * sizeof(int));
  for (size_t i = 0; i < len;) {
    size_t end = i;
    while (end < len && text[end] != '\n') end++;
    int n = 0;
    docs[ndocs][n++] = bos;
    for (size_t j = i; j < end && n < T + 1; j++) if (text[j] != '\r') docs[ndocs][n++] = id[(unsigned char)text[j]];
    if (n < T + 1) docs[ndocs][n++] = bos;
    if (n > 2) lens[ndocs++] = n;
    if (ndocs == cap) cap *= 2, docs = realloc(docs, cap * sizeof(*docs)), lens = realloc(lens, cap * sizeof(int));
    if (!docs || !lens) { fprintf(stderr, "names-step: out of memory\n"); return 1; }
    i = end + 1;
  }
  if (ndocs < B) { fprintf(stderr, "names-step: %s has %d documents, fewer than a batch of %d\n", path, ndocs, B); return 1; }
  rng_state = seed;
  int *order = xmalloc(ndocs * sizeof(int));
  for (int i = 0; i < ndocs; i++) order[i] = i;
  for (int i = ndocs - 1; i > 0; i--) { int j = next_u64() % (i + 1), t = order[i]; order[i] = order[j], order[j] = t; }
  const int ntrain = ndocs - ndocs / 10; // the last 10% held out, as the preset's valFraction
  layout();
  for (int i = 0; i < nparams; i++) param[i] = gauss(0.08f);
  int x[B * T], yt[B * T], at = 0, nchunks = 0;
  long tokens = 0, chunk_tokens = 0;
  double *rates = xmalloc((steps / CHUNK + 1) * sizeof(double)), chunk_start = 0, cpu_start = 0;
  long timed_tokens = 0;
  float first = 0, last = 0;
  for (int s = 0; s < steps; s++) {
    if (s == WARMUP || (s > WARMUP && (s - WARMUP) % CHUNK == 0)) {
      if (s > WARMUP) rates[nchunks++] = chunk_tokens / (seconds(CLOCK_MONOTONIC) - chunk_start);
      if (s == WARMUP) cpu_start = seconds(CLOCK_PROCESS_CPUTIME_ID);
      chunk_start = seconds(CLOCK_MONOTONIC), chunk_tokens = 0;
    }
    for (int b = 0; b < B; b++, at = (at + 1) % ntrain) {
      const int *d = docs[order[at]];
      for (int t = 0; t < T; t++) x[b * T + t] = t < lens[order[at]] - 1 ? d[t] : 0, yt[b * T + t] = t < lens[order[at]] - 1 ? d[t + 1] : -1;
    }
    long before = tokens;
    float loss = step(x, yt, B, T, s, &tokens);
    chunk_tokens += tokens - before;
    if (s >= WARMUP) timed_tokens += tokens - before;
    if (s == 0) first = loss;
    last = s >= steps - 100 ? last + loss / 100 : 0;
  }
  if (steps > WARMUP && (steps - WARMUP) % CHUNK == 0) rates[nchunks++] = chunk_tokens / (seconds(CLOCK_MONOTONIC) - chunk_start);
  if (nchunks == 0) { fprintf(stderr, "names-step: %d steps leave no timed chunk of %d after %d warm-up steps\n", steps, CHUNK, WARMUP); return 1; }
  qsort(rates, nchunks, sizeof(double), cmp_double);
  double median = nchunks % 2 ? rates[nchunks / 2] : (rates[nchunks / 2 - 1] + rates[nchunks / 2]) / 2;
  double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
  printf("{\"tokens_per_s\":%.0f,\"tokens_per_cpu_s\":%.0f,\"chunks\":%d,\"first_loss\":%.6f,\"last_loss\":%.6f}\n", median, timed_tokens / cpu, nchunks, first, last);
  return 0;
}

static int read_all(const char *path, void *buf, size_t bytes) {
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "names-step: cannot open %s\n", path); return 0; }
  size_t got = fread(buf, 1, bytes, f);
  fclose(f);
  if (got != bytes) fprintf(stderr, "names-step: %s has %zu bytes where %zu were expected\n", path, got, bytes);
  return got == bytes;
}

static int check(const char *weights, const char *batch, int steps) {
  int header[2];
  FILE *f = fopen(weights, "rb");
  if (!f || fread(&V, sizeof(int), 1, f) != 1 || V < 1 || V > MAXV) { fprintf(stderr, "names-step: %s does not start with a vocabulary size in [1, %d]\n", weights, MAXV); return 1; }
  fclose(f);
  layout();
  float *all = xmalloc((nparams + 1) * sizeof(float));
  if (!read_all(weights, all, (nparams + 1) * sizeof(float))) return 1;
  memcpy(param, all + 1, nparams * sizeof(float));
  if (!read_all(batch, header, sizeof(header))) return 1;
  int rows = header[0], width = header[1];
  if (rows < 1 || width < 1 || width > T) { fprintf(stderr, "names-step: %s is %d × %d; expected rows ≥ 1 and width in [1, %d]\n", batch, rows, width, T); return 1; }
  int *ids = xmalloc((2 + 2 * rows * width) * sizeof(int));
  if (!read_all(batch, ids, (2 + 2 * rows * width) * sizeof(int))) return 1;
  for (int i = 0; i < rows * width; i++) {
    int x = ids[2 + i], y = ids[2 + rows * width + i];
    if (x < 0 || x >= V || y < -1 || y >= V) { fprintf(stderr, "names-step: %s: element %d has id %d, target %d; expected ids in [0, %d) and targets in [-1, %d)\n", batch, i, x, y, V, V); return 1; }
  }
  long tokens = 0;
  for (int s = 0; s < steps; s++) printf("%.9g\n", step(ids + 2, ids + 2 + rows * width, rows, width, s, &tokens));
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "train") == 0) return train(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
  if (argc == 5 && strcmp(argv[1], "check") == 0) return check(argv[2], argv[3], atoi(argv[4]));
  fprintf(stderr, "usage: names-step train NAMES_TXT STEPS SEED | names-step check WEIGHTS BATCH STEPS\n");
  return 2;
}
