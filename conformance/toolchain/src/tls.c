/* Thread-local storage: an exported TLS variable and errno, through the TLS resolver. */
#include <errno.h>

__thread int tls_counter;

int tls_bump(void) {
    errno = 0;
    return ++tls_counter;
}
