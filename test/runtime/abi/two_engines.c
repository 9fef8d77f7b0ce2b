/*
 * Two engines built with --symbol-prefix a_ and b_, linked into this one program (-l, no dlopen):
 *   two_engines A_WEIGHTS B_WEIGHTS OUT_DIR
 * Runs each engine (and a context of each) on seeded inputs and writes, for P in a, b:
 * OUT_DIR/P.in<i>.bin, OUT_DIR/P.out<i>.bin (the engine's run) and OUT_DIR/P.ctx<i>.bin (the
 * context's). Prints "abi <a's version> <b's version>" and exits 0, or names the failing call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a_yhc_engine.h"
#include "b_yhc_engine.h"

static int save(const char* dir, const char* name, int i, const void* data, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s%d.bin", dir, name, i);
  FILE* f = fopen(path, "wb");
  int ok = f && fwrite(data, 1, n, f) == n;
  if (f) fclose(f);
  return ok;
}

/* One engine's round: create, run, a context's run, files out, destroy. Expanded per prefix. */
#define ROUND(P, SEED)                                                                                                              \
  do {                                                                                                                              \
    P##yhc_engine* e = NULL;                                                                                                        \
    P##yhc_context* c = NULL;                                                                                                       \
    if (P##yhc_engine_create(weights_##P, &e)) return fprintf(stderr, #P ": %s\n", P##yhc_last_error()), 1;                         \
    if (P##yhc_context_create(e, &c)) return fprintf(stderr, #P ": %s\n", P##yhc_last_error()), 1;                                  \
    void *in[8], *out[8], *ctx_out[8];                                                                                              \
    for (int i = 0; i < P##yhc_num_inputs(); ++i) {                                                                                 \
      size_t n = P##yhc_input_bytes(i) / sizeof(float);                                                                             \
      float* x = malloc(n * sizeof(float));                                                                                         \
      for (size_t k = 0; k < n; ++k) x[k] = (float)((SEED * 2654435761u + k * 40503u) % 1000) / 500.0f - 1.0f;                      \
      in[i] = x;                                                                                                                    \
      if (!save(dir, #P ".in", i, x, P##yhc_input_bytes(i))) return 2;                                                              \
    }                                                                                                                               \
    for (int i = 0; i < P##yhc_num_outputs(); ++i) {                                                                                \
      out[i] = calloc(1, P##yhc_output_bytes(i));                                                                                   \
      ctx_out[i] = calloc(1, P##yhc_output_bytes(i));                                                                               \
    }                                                                                                                               \
    if (P##yhc_engine_run_host(e, (const void* const*)in, out)) return fprintf(stderr, #P ": %s\n", P##yhc_last_error()), 1;        \
    if (P##yhc_context_run_host(c, (const void* const*)in, ctx_out)) return fprintf(stderr, #P ": %s\n", P##yhc_last_error()), 1;   \
    for (int i = 0; i < P##yhc_num_outputs(); ++i)                                                                                  \
      if (!save(dir, #P ".out", i, out[i], P##yhc_output_bytes(i)) || !save(dir, #P ".ctx", i, ctx_out[i], P##yhc_output_bytes(i))) \
        return 2;                                                                                                                   \
    P##yhc_context_destroy(c);                                                                                                      \
    P##yhc_engine_destroy(e);                                                                                                       \
  } while (0)

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const char *weights_a_ = argv[1], *weights_b_ = argv[2], *dir = argv[3];
  ROUND(a_, 1u);
  ROUND(b_, 2u);
  printf("abi %d %d\n", a_yhc_abi_version(), b_yhc_abi_version());
  return 0;
}
