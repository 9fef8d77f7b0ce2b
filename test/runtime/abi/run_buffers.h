/*
 * Buffers for one run of a loaded engine, shared by the ABI test programs. Include it after
 * the program has declared the engine's size queries it binds with dlsym: num_inputs(),
 * num_outputs(), input_bytes(i), output_bytes(i).
 */
#pragma once
#include <stdlib.h>
#include <string.h>

typedef struct {
  void* in[8];
  void* out[8];
} io;

/* Inputs filled deterministically from `seed` (values in [-1, 1)), outputs zeroed. */
static io make_io(unsigned seed) {
  io b;
  for (int i = 0; i < num_inputs(); ++i) {
    size_t n = input_bytes(i) / sizeof(float);
    float* x = malloc(n * sizeof(float));
    for (size_t k = 0; k < n; ++k) x[k] = (float)((seed * 2654435761u + k * 40503u) % 1000) / 500.0f - 1.0f;
    b.in[i] = x;
  }
  for (int i = 0; i < num_outputs(); ++i) b.out[i] = calloc(1, output_bytes(i));
  return b;
}

/* Whether two runs wrote the same bytes to every output. */
static int same_outputs(const io* a, const io* b) {
  for (int i = 0; i < num_outputs(); ++i)
    if (memcmp(a->out[i], b->out[i], output_bytes(i)) != 0) return 0;
  return 1;
}
