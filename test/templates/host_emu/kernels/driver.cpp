// Runs one test kernel file's scenarios; they print a JSON object on stdout.
extern "C" int yhc_test_run(void);
int main() { return yhc_test_run(); }
