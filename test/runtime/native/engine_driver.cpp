// Runs a host engine from a native program, so the engine can be built with
// -fsanitize=address,undefined (this program is linked with the same runtimes; node cannot load
// such a library). Usage: engine_driver LIB WEIGHTS IN0.bin ... -- OUT0.bin ...
// Exit status: 0 after writing every output, 1 on a usage or I/O error, 2 on an engine error.
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <vector>

struct yhc_engine;

int main(int argc, char** argv) {
  if (argc < 3) return std::fprintf(stderr, "usage: engine_driver LIB WEIGHTS IN... -- OUT...\n"), 1;
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) return std::fprintf(stderr, "%s\n", dlerror()), 1;
  auto sym = [&](const char* name) { return dlsym(lib, name); };
  auto num_inputs = reinterpret_cast<int (*)()>(sym("yhc_num_inputs"));
  auto num_outputs = reinterpret_cast<int (*)()>(sym("yhc_num_outputs"));
  auto input_bytes = reinterpret_cast<size_t (*)(int)>(sym("yhc_input_bytes"));
  auto output_bytes = reinterpret_cast<size_t (*)(int)>(sym("yhc_output_bytes"));
  auto create = reinterpret_cast<int (*)(const char*, yhc_engine**)>(sym("yhc_engine_create"));
  auto run = reinterpret_cast<int (*)(yhc_engine*, const void* const*, void* const*)>(sym("yhc_engine_run_host"));
  auto destroy = reinterpret_cast<void (*)(yhc_engine*)>(sym("yhc_engine_destroy"));
  auto last_error = reinterpret_cast<const char* (*)()>(sym("yhc_last_error"));
  if (!num_inputs || !num_outputs || !input_bytes || !output_bytes || !create || !run || !destroy || !last_error)
    return std::fprintf(stderr, "%s is not a yhc engine\n", argv[1]), 1;
  const int ni = num_inputs(), no = num_outputs();
  if (argc != 3 + ni + 1 + no || std::strcmp(argv[3 + ni], "--") != 0)
    return std::fprintf(stderr, "expected %d inputs and %d outputs\n", ni, no), 1;
  std::vector<std::vector<unsigned char>> ins(ni), outs(no);
  std::vector<const void*> in_ptrs;
  std::vector<void*> out_ptrs;
  for (int i = 0; i < ni; ++i) {
    ins[i].resize(input_bytes(i));
    FILE* f = std::fopen(argv[3 + i], "rb");
    if (!f || std::fread(ins[i].data(), 1, ins[i].size(), f) != ins[i].size())
      return std::fprintf(stderr, "cannot read %s\n", argv[3 + i]), 1;
    std::fclose(f);
    in_ptrs.push_back(ins[i].data());
  }
  for (int i = 0; i < no; ++i) {
    outs[i].assign(output_bytes(i), 0xff);
    out_ptrs.push_back(outs[i].data());
  }
  yhc_engine* e = nullptr;
  if (create(argv[2], &e) != 0) return std::fprintf(stderr, "create: %s\n", last_error()), 2;
  if (run(e, in_ptrs.data(), out_ptrs.data()) != 0) return std::fprintf(stderr, "run: %s\n", last_error()), destroy(e), 2;
  destroy(e);
  for (int i = 0; i < no; ++i) {
    const char* path = argv[4 + ni + i];
    FILE* f = std::fopen(path, "wb");
    if (!f || std::fwrite(outs[i].data(), 1, outs[i].size(), f) != outs[i].size())
      return std::fprintf(stderr, "cannot write %s\n", path), 1;
    std::fclose(f);
  }
  dlclose(lib);
  return 0;
}
