// Loads two engine-like shared libraries (each with its own copy of the emulator) into one
// process, one RTLD_GLOBAL and one RTLD_LOCAL, runs both, and reports leftover threads.
#include <dirent.h>
#include <dlfcn.h>
#include <cstdio>

static int count_threads() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  void* libs[2] = {dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL), dlopen(argv[2], RTLD_NOW | RTLD_LOCAL)};
  for (void* lib : libs) {
    if (!lib) {
      std::fprintf(stderr, "dlopen: %s\n", dlerror());
      return 2;
    }
    auto run = reinterpret_cast<int (*)()>(dlsym(lib, "yhc_test_run"));
    if (!run || run() != 0) return 2;
    std::fflush(stdout);
  }
  std::printf("{\"threads_after_runs\":%d}\n", count_threads());
  for (void* lib : libs) dlclose(lib);
  std::printf("{\"threads_after_unload\":%d}\n", count_threads());
  return 0;
}
