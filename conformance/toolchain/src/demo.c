/* A library with versioned symbols (demo.map), one of them kept at an old version too. */
#include <stdlib.h>

int demo_table[4] = {1, 2, 3, 4};

__attribute__((symver("demo_open@LIBDEMO_1.0")))
void *demo_open_v1(void) { return malloc(1); }

__attribute__((symver("demo_open@@LIBDEMO_2.0")))
void *demo_open_v2(void) { return calloc(1, 16); }

void demo_close(void *handle) { free(handle); }
