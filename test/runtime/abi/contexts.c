/*
 * One engine, many execution contexts (issue 13), through dlopen as a C program would load it:
 *   contexts LIBRARY WEIGHTS N
 * Prints one line per case: "<case> <status> <message>" (misuse cases: the status and
 * yhc_last_error()), and "memory ..." / "threads ..." lines: the host emulation's allocation
 * counter as the engine and N contexts are made, and N contexts running in N threads at once
 * (10 runs each, each thread its own input) against single-context results, byte for byte.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yhc_engine.h"

static int (*engine_create)(const char*, yhc_engine**);
static void (*engine_destroy)(yhc_engine*);
static int (*engine_run)(yhc_engine*, const void* const*, void* const*);
static int (*context_create)(yhc_engine*, yhc_context**);
static void (*context_destroy)(yhc_context*);
static int (*context_run)(yhc_context*, const void* const*, void* const*);
static int (*context_run_batch)(yhc_context*, int, const void* const*, void* const*);
static const char* (*context_last_error)(yhc_context*);
static const char* (*last_error)(void);
static size_t (*input_bytes)(int), (*output_bytes)(int);
static int (*num_inputs)(void), (*num_outputs)(void);
static size_t (*weight_bytes)(void), (*context_bytes)(void), (*emu_device_bytes)(void);

#include "run_buffers.h"

static void* sym(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (!p) {
    fprintf(stderr, "missing symbol %s\n", name);
    exit(3);
  }
  return p;
}
#define BIND(var, name) *(void**)(&var) = sym(lib, name)

static void report(const char* name, int status) { printf("%s %d %s\n", name, status, last_error()); }

typedef struct {
  yhc_context* context;
  io buffers;
  const io* expected;
  int runs, ok, busy;
} job;

/* `runs` runs, each output compared with the expected one; a busy refusal is counted, not failed. */
static void* worker(void* arg) {
  job* j = arg;
  j->ok = 1;
  for (int it = 0; it < j->runs; ++it) {
    for (int i = 0; i < num_outputs(); ++i) memset(j->buffers.out[i], 0, output_bytes(i));
    const int s = context_run(j->context, (const void* const*)j->buffers.in, j->buffers.out);
    if (s == YHC_ERROR_INVALID_ARGUMENT && strstr(last_error(), "already running")) {
      j->busy++;
      continue;
    }
    if (s != YHC_OK || !same_outputs(&j->buffers, j->expected)) j->ok = 0;
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  const int n = atoi(argv[3]);
  if (n < 1 || n > 16) return 2;
  void* lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) return 3;
  BIND(engine_create, "yhc_engine_create");
  BIND(engine_destroy, "yhc_engine_destroy");
  BIND(engine_run, "yhc_engine_run_host");
  BIND(context_create, "yhc_context_create");
  BIND(context_destroy, "yhc_context_destroy");
  BIND(context_run, "yhc_context_run_host");
  BIND(context_run_batch, "yhc_context_run_host_batch");
  BIND(context_last_error, "yhc_context_last_error");
  BIND(last_error, "yhc_last_error");
  BIND(input_bytes, "yhc_input_bytes");
  BIND(output_bytes, "yhc_output_bytes");
  BIND(num_inputs, "yhc_num_inputs");
  BIND(num_outputs, "yhc_num_outputs");
  BIND(weight_bytes, "yhc_weight_bytes");
  BIND(context_bytes, "yhc_context_bytes");
  BIND(emu_device_bytes, "yhc_emu_device_bytes");

  /* Memory: the weights once, one context per yhc_context_create (plus the engine's own). */
  const size_t before = emu_device_bytes();
  yhc_engine* e = NULL;
  if (engine_create(argv[2], &e)) return 4;
  const size_t with_engine = emu_device_bytes() - before;
  yhc_context* ctx[16];
  for (int i = 0; i < n; ++i)
    if (context_create(e, &ctx[i])) return 5;
  const size_t with_contexts = emu_device_bytes() - before;
  printf("memory weights %zu context %zu engine %zu engine_and_contexts %zu\n", weight_bytes(), context_bytes(), with_engine,
         with_contexts);

  /* N contexts in N threads at once, each on its own input, against the engine's own results. */
  io want[16];
  job jobs[16];
  for (int i = 0; i < n; ++i) {
    want[i] = make_io((unsigned)i + 1);
    if (engine_run(e, (const void* const*)want[i].in, want[i].out)) return 6;
    jobs[i] = (job){ctx[i], make_io((unsigned)i + 1), &want[i], 10, 0, 0};
  }
  pthread_t t[16];
  for (int i = 0; i < n; ++i) pthread_create(&t[i], NULL, worker, &jobs[i]);
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
  int ok = n < 2 || !same_outputs(&want[0], &want[1]);
  for (int i = 0; i < n; ++i) ok = ok && jobs[i].ok && jobs[i].busy == 0;
  printf("threads %s\n", ok ? "ok" : "differ");

  /* One context, two threads: one run at a time; the other thread's overlapping calls are refused. */
  job a = {ctx[0], make_io(1), &want[0], 200, 0, 0}, b = {ctx[0], make_io(1), &want[0], 200, 0, 0};
  pthread_create(&t[0], NULL, worker, &a);
  pthread_create(&t[1], NULL, worker, &b);
  pthread_join(t[0], NULL);
  pthread_join(t[1], NULL);
  printf("shared_context %s busy %d\n", a.ok && b.ok ? "ok" : "differ", a.busy + b.busy > 0);

  /* Misuse. */
  io x = make_io(1);
  yhc_context* c = (yhc_context*)0x1;
  report("create_null_out", context_create(e, NULL));
  report("create_null_engine", context_create(NULL, &c));
  printf("create_null_engine_sets_null %d\n", c == NULL);
  int not_an_engine = 0;
  report("create_foreign_engine", context_create((yhc_engine*)&not_an_engine, &c));
  report("run_null_context", context_run(NULL, (const void* const*)x.in, x.out));
  report("run_null_inputs", context_run(ctx[0], NULL, x.out));
  report("run_foreign_pointer", context_run((yhc_context*)&not_an_engine, (const void* const*)x.in, x.out));
  report("run_batch_0", context_run_batch(ctx[0], 0, (const void* const*)x.in, x.out));
  printf("context_last_error_after_failure %s\n", context_last_error(ctx[0]));
  report("run", context_run(ctx[0], (const void* const*)x.in, x.out));
  printf("context_last_error_after_success [%s]\n", context_last_error(ctx[0]));
  context_destroy(ctx[0]);
  report("run_destroyed_context", context_run(ctx[0], (const void* const*)x.in, x.out));
  context_destroy(ctx[0]);
  context_destroy(NULL);
  printf("destroy_twice_and_null 0\n");
  report("engine_run_after_context_destroy", engine_run(e, (const void* const*)x.in, x.out));
  engine_destroy(e); /* destroys ctx[1..n-1] too */
  report("run_context_of_destroyed_engine", n > 1 ? context_run(ctx[1], (const void* const*)x.in, x.out) : YHC_ERROR_INVALID_ARGUMENT);
  report("create_on_destroyed_engine", context_create(e, &c));
  if (n > 1) context_destroy(ctx[1]); /* not live any more: ignored */
  printf("memory_after_destroy %zu\n", emu_device_bytes() - before);
  return 0;
}
