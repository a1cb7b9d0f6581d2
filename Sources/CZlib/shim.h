#include <zlib.h>

// deflateInit2/inflateInit2 are function-like macros that Swift cannot call.
static inline int czlib_deflate_init_gzip(z_streamp strm, int level) {
    return deflateInit2(strm, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

// windowBits 15 + 32: accept a zlib or a gzip header.
static inline int czlib_inflate_init_auto(z_streamp strm) {
    return inflateInit2(strm, 15 + 32);
}

// windowBits -15: a raw deflate stream with no header (zip entries).
static inline int czlib_inflate_init_raw(z_streamp strm) {
    return inflateInit2(strm, -15);
}
