#include <sqlite3.h>

// SQLITE_TRANSIENT casts -1 to a function pointer; Swift cannot import the macro.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
