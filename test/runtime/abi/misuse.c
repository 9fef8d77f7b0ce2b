/*
 * The engine's C ABI under misuse (issue 12), through dlopen as a C program would load it:
 *   misuse LIBRARY WEIGHTS OTHER_BUILD_WEIGHTS SCRATCH_DIR
 * Prints one line per case: "<case> <status> <yhc_last_error()>", and "threads <ok|differ>" for
 * two engines of the build running in two threads at once against single-thread results.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yhc_engine.h"

typedef int (*create_fn)(const char*, yhc_engine**);
typedef void (*destroy_fn)(yhc_engine*);
typedef int (*run_fn)(yhc_engine*, int, const void* const*, void* const*);
typedef const char* (*error_fn)(void);
typedef size_t (*bytes_fn)(int);
typedef int (*int_fn)(void);

static create_fn create;
static destroy_fn destroy;
static run_fn run;
static error_fn last_error;
static bytes_fn input_bytes, output_bytes;
static int_fn num_inputs, num_outputs, max_batch;

#include "run_buffers.h"

static void report(const char* name, int status) { printf("%s %d %s\n", name, status, last_error()); }

static void* sym(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (!p) {
    fprintf(stderr, "missing symbol %s\n", name);
    exit(3);
  }
  return p;
}

/* A copy of `from` at `to`, cut to `keep` bytes (or whole), with byte `flip` inverted (or none). */
static void copy_weights(const char* from, const char* to, long keep, long flip) {
  FILE* in = fopen(from, "rb");
  FILE* out = fopen(to, "wb");
  if (!in || !out) exit(4);
  long n = 0;
  int c;
  while ((c = fgetc(in)) != EOF && (keep < 0 || n < keep)) {
    fputc(n == flip ? c ^ 0xff : c, out);
    n++;
  }
  fclose(in);
  fclose(out);
}

typedef struct {
  yhc_engine* engine;
  io buffers;
  const io* expected;
  int ok;
} job;

static void* worker(void* arg) {
  job* j = arg;
  j->ok = 1;
  for (int it = 0; it < 10; ++it) {
    memset(j->buffers.out[0], 0, output_bytes(0));
    if (run(j->engine, max_batch(), (const void* const*)j->buffers.in, j->buffers.out) != YHC_OK || !same_outputs(&j->buffers, j->expected))
      j->ok = 0;
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 5) return 2;
  const char* weights = argv[2];
  void* lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) return 3;
  create = (create_fn)sym(lib, "yhc_engine_create");
  destroy = (destroy_fn)sym(lib, "yhc_engine_destroy");
  run = (run_fn)sym(lib, "yhc_engine_run_host_batch");
  last_error = (error_fn)sym(lib, "yhc_last_error");
  input_bytes = (bytes_fn)sym(lib, "yhc_input_bytes");
  output_bytes = (bytes_fn)sym(lib, "yhc_output_bytes");
  num_inputs = (int_fn)sym(lib, "yhc_num_inputs");
  num_outputs = (int_fn)sym(lib, "yhc_num_outputs");
  max_batch = (int_fn)sym(lib, "yhc_max_batch");

  yhc_engine* e = (yhc_engine*)0x1;
  report("create_null_out", create(weights, NULL));
  report("create_null_path", create(NULL, &e));
  printf("create_null_path_sets_null %d\n", e == NULL);
  report("create_missing_file", create("/nonexistent/weights.bin", &e));
  report("create_directory", create(argv[4], &e));
  report("create_other_build", create(argv[3], &e));
  char path[4096];
  snprintf(path, sizeof path, "%s/truncated.bin", argv[4]);
  copy_weights(weights, path, 100, -1);
  report("create_truncated", create(path, &e));
  snprintf(path, sizeof path, "%s/cut_in_header.bin", argv[4]);
  copy_weights(weights, path, 40, -1);
  report("create_cut_in_header", create(path, &e));
  snprintf(path, sizeof path, "%s/header_only.bin", argv[4]);
  copy_weights(weights, path, 64, -1);
  report("create_header_only", create(path, &e));
  snprintf(path, sizeof path, "%s/flipped.bin", argv[4]);
  copy_weights(weights, path, -1, 64 + 5);
  report("create_bit_flipped", create(path, &e));

  report("create", create(weights, &e));
  io b = make_io(1);
  report("run_null_engine", run(NULL, max_batch(), (const void* const*)b.in, b.out));
  report("run_null_inputs", run(e, max_batch(), NULL, b.out));
  report("run_null_outputs", run(e, max_batch(), (const void* const*)b.in, NULL));
  void* saved = b.in[0];
  b.in[0] = NULL;
  report("run_null_input_0", run(e, max_batch(), (const void* const*)b.in, b.out));
  b.in[0] = saved;
  report("run_batch_0", run(e, 0, (const void* const*)b.in, b.out));
  report("run_batch_negative", run(e, -1, (const void* const*)b.in, b.out));
  report("run_batch_over_max", run(e, max_batch() + 1, (const void* const*)b.in, b.out));
  int not_an_engine = 0;
  report("run_foreign_pointer", run((yhc_engine*)&not_an_engine, max_batch(), (const void* const*)b.in, b.out));
  report("run", run(e, max_batch(), (const void* const*)b.in, b.out));
  destroy(e);
  report("run_after_destroy", run(e, max_batch(), (const void* const*)b.in, b.out));
  destroy(e);
  destroy(NULL);
  printf("destroy_twice_and_null 0\n");

  /* Two engines, two threads, two inputs: each thread must get its single-thread result. */
  yhc_engine *e1, *e2;
  if (create(weights, &e1) || create(weights, &e2)) return 5;
  io want1 = make_io(1), want2 = make_io(2);
  if (run(e1, max_batch(), (const void* const*)want1.in, want1.out) || run(e1, max_batch(), (const void* const*)want2.in, want2.out))
    return 6;
  job j1 = {e1, make_io(1), &want1, 0}, j2 = {e2, make_io(2), &want2, 0};
  pthread_t t1, t2;
  pthread_create(&t1, NULL, worker, &j1);
  pthread_create(&t2, NULL, worker, &j2);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  printf("threads %s\n", j1.ok && j2.ok && !same_outputs(&want1, &want2) ? "ok" : "differ");
  destroy(e1);
  destroy(e2);
  return 0;
}
