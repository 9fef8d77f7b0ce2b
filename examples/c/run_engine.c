/*
 * Run a yhc engine from C through include/yhc_engine.h, on host memory.
 *
 *   yhc compile examples/v10head_n.onnx -o build/v10 --target host
 *   cc -std=c11 -I build/v10/include examples/c/run_engine.c -L build/v10/lib -lyhc_v10head_n \
 *      -Wl,-rpath,build/v10/lib -o run_engine
 *   ./run_engine build/v10/weights.bin test/data/fixtures/v10head_n.input.p3.bin ...
 *
 * Inputs are raw files in manifest.json order; prints the first rows of the first output,
 * read as float32 detections [x1 y1 x2 y2 score class].
 */
#include <stdio.h>
#include <stdlib.h>

#include "yhc_engine.h"

static void* read_file(const char* path, size_t expected) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  void* data = malloc(expected);
  size_t got = data ? fread(data, 1, expected, f) : 0;
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != expected || extra) {
    free(data);
    return NULL;
  }
  return data;
}

int main(int argc, char** argv) {
  int n_in = yhc_num_inputs(), n_out = yhc_num_outputs();
  if (argc != 2 + n_in) {
    fprintf(stderr, "usage: %s weights.bin <%d input files>\n", argv[0], n_in);
    return 2;
  }
  yhc_engine* engine = NULL;
  if (yhc_engine_create(argv[1], &engine) != YHC_OK) {
    fprintf(stderr, "yhc_engine_create: %s\n", yhc_last_error());
    return 1;
  }
  const void** inputs = calloc((size_t)n_in, sizeof *inputs);
  void** outputs = calloc((size_t)n_out, sizeof *outputs);
  int status = 0;
  for (int i = 0; i < n_in && status == 0; ++i) {
    inputs[i] = read_file(argv[2 + i], yhc_input_bytes(i));
    if (!inputs[i]) {
      fprintf(stderr, "%s: missing, or not %zu bytes\n", argv[2 + i], yhc_input_bytes(i));
      status = 1;
    }
  }
  for (int i = 0; i < n_out && status == 0; ++i) outputs[i] = malloc(yhc_output_bytes(i));
  if (status == 0 && yhc_engine_run_host(engine, inputs, outputs) != YHC_OK) {
    fprintf(stderr, "yhc_engine_run_host: %s\n", yhc_last_error());
    status = 1;
  }
  if (status == 0) {
    const float* rows = outputs[0];
    size_t n_rows = yhc_output_bytes(0) / (6 * sizeof(float));
    printf("build %s, %zu rows\n", yhc_build_id(), n_rows);
    for (size_t r = 0; r < n_rows && r < 3; ++r) {
      const float* d = rows + 6 * r;
      printf("%.3f %.3f %.3f %.3f %.6f %.0f\n", d[0], d[1], d[2], d[3], d[4], d[5]);
    }
  }
  for (int i = 0; i < n_in; ++i) free((void*)inputs[i]);
  for (int i = 0; i < n_out; ++i) free(outputs[i]);
  free(inputs);
  free(outputs);
  yhc_engine_destroy(engine);
  return status;
}
