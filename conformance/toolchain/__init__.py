"""The real-toolchain binaries: built by Debian's cross compilers (see build.py)."""
