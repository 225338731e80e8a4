/* A C extension-like library: a few libc calls, one of them (getrandom) newer than most. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int plain_fill(char *buffer, size_t size) {
    char scratch[16];
    if (getrandom(scratch, sizeof scratch, 0) < 0)
        return -1;
    memcpy(buffer, scratch, size < sizeof scratch ? size : sizeof scratch);
    return snprintf(buffer, size, "%ld", strtol(buffer, NULL, 10));
}
