/* An executable that needs libdemo.so.1 (found through RUNPATH, RPATH, or not at all). */
void *demo_open(void);
void demo_close(void *handle);

int main(void) {
    void *handle = demo_open();
    demo_close(handle);
    return handle == 0;
}
